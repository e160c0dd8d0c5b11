import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport

/// A store in a fresh temporary directory, with helpers that read it back the way a daemon would.
struct StoreFixture {
    let directory: TemporaryDirectory
    let store: FileCertificateStore

    init() throws {
        directory = try TemporaryDirectory("mailcert-store")
        store = FileCertificateStore(paths: StatePaths(root: directory.url.appendingPathComponent("state")))
    }

    var paths: StatePaths { store.paths }

    /// The target of `current`, e.g. "versions/2".
    func currentTarget(_ name: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: paths.current(name).path)
    }

    /// Permission bits of a file.
    func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
    }

    /// Every entry below the state directory, for "nothing was changed" assertions.
    func snapshot() -> [String] { MailcertRunner.snapshot(of: paths.root.path) }

    /// Makes a self-signed version the way `mailcert request --self-signed` does.
    @discardableResult
    func selfSigned(_ name: String, hosts: [String], now: Date, force: Bool = false, key: KeySelection = .generate(.ecdsaP256)) throws -> StoredVersion {
        try SelfSignedIssuance(name: name, hostnames: hosts, key: key, days: 90, force: force).run(store: store, now: now)
    }

    /// A pending CSR for `name`, signed by `ca` with the given dates, then imported; returns the version.
    @discardableResult
    func caSigned(_ name: String, hosts: [String], ca: TestCA, notBefore: String? = nil, notAfter: String? = nil, now: Date) throws -> StoredVersion {
        let csr = try SigningRequest(name: name, hostnames: hosts, key: .generate(.ecdsaP256), force: false)
            .run(store: store, csrFile: nil, now: now)
        let leaf = try ca.sign(csrPEM: csr.pem, notBefore: notBefore, notAfter: notAfter)
        let file = try directory.write("\(name)-\(UUID().uuidString).pem", leaf + ca.intermediatePEM)
        return try CertificateImport(name: name, certificateFile: URL(fileURLWithPath: file), chainFile: nil)
            .run(store: store, now: now).version
    }
}

extension StoredVersion {
    /// The directory of this version in a file store: these tests look at the files themselves.
    var directory: URL { URL(fileURLWithPath: location, isDirectory: true) }
    func url(_ file: VersionFile) -> URL { directory.appendingPathComponent(file.rawValue) }
}
