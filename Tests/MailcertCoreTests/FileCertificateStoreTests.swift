import ACME
import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("File certificate store")
struct FileCertificateStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a version has its six files (privkey.pem: key.pem under certbot's name), keys 0600, current points at it")
    func layout() throws {
        let fixture = try StoreFixture()
        let version = try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        #expect(version.number == 1)
        #expect(fixture.currentTarget("mx1") == "versions/1")
        let files = try FileManager.default.contentsOfDirectory(atPath: version.directory.path).sorted()
        #expect(files == ["cert.pem", "chain.pem", "fullchain.pem", "key.pem", "meta.json", "privkey.pem"])
        #expect(try fixture.mode(version.url(.key)) == 0o600)
        #expect(try fixture.mode(version.url(.privateKey)) == 0o600)
        #expect(try Data(contentsOf: version.url(.privateKey)) == Data(contentsOf: version.url(.key)))
        #expect(try fixture.mode(version.url(.certificate)) == 0o644)
        #expect(version.metadata.source == .selfSigned)
        #expect(version.metadata.hostnames == ["mx1.example.com"])
        #expect(version.metadata.created == now)
        // The stable path a daemon reads resolves to the new files.
        let viaCurrent = fixture.paths.current("mx1").appendingPathComponent("cert.pem")
        #expect(try String(contentsOf: viaCurrent, encoding: .utf8) == (try version.certificate().pem))
    }

    @Test("the CA's renewal information is kept as certs/<name>/ari.json, read back whole; a damaged one is named")
    func renewalInfo() throws {
        let fixture = try StoreFixture()
        #expect(try fixture.store.renewalInfo(of: "mx1") == nil)
        let window = RenewalInfo.Window(start: now, end: now.addingTimeInterval(86_400))
        let info = StoredRenewalInfo(
            certificateID: "aki.serial", suggestedWindow: window, explanationURL: "https://ca.test/why",
            retryAfter: now.addingTimeInterval(21_600), fetched: now)
        try fixture.store.write { writer in try writer.saveRenewalInfo(name: "mx1", info: info) }
        let file = fixture.paths.certificate("mx1").appendingPathComponent("ari.json")
        #expect(fixture.store.location(of: .renewalInfo("mx1")) == file.path)
        #expect(try fixture.store.renewalInfo(of: "mx1") == info)
        try Data("{".utf8).write(to: file)
        let error = #expect(throws: MailcertError.self) { try fixture.store.renewalInfo(of: "mx1") }
        #expect(error?.message.contains(file.path) == true)
    }

    @Test("each write adds a version and moves current; earlier versions stay")
    func versionsAccumulate() throws {
        let fixture = try StoreFixture()
        try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        let third = try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        #expect(third.number == 3)
        #expect(fixture.store.versionNumbers(of: "mx1") == [1, 2, 3])
        #expect(fixture.currentTarget("mx1") == "versions/3")
    }

    @Test("--reuse-key keeps the key across versions")
    func reuseKey() throws {
        let fixture = try StoreFixture()
        let first = try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        let second = try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now, key: .reuse)
        #expect(try second.privateKey().publicKeyFingerprint() == first.privateKey().publicKeyFingerprint())
        let error = #expect(throws: MailcertError.self) { try fixture.selfSigned("new", hosts: ["n.example"], now: now, key: .reuse) }
        #expect(error?.code == .notFound)
    }

    @Test("a staging directory left by a crash is ignored by readers and removed by the next writer")
    func crashLeftovers() throws {
        let fixture = try StoreFixture()
        try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        // What a writer killed before its rename leaves: a half-written staging directory.
        let staging = fixture.paths.versions("mx1").appendingPathComponent(".tmp-2-99999")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try Data("-----BEGIN PRIV".utf8).write(to: staging.appendingPathComponent("key.pem"))
        #expect(try fixture.store.currentVersion(of: "mx1")?.number == 1)
        #expect(fixture.store.versionNumbers(of: "mx1") == [1])
        #expect(try Inventory.load(store: fixture.store, now: now).entries.map(\.version) == [1])

        let next = try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        #expect(next.number == 2)
        #expect(!FileManager.default.fileExists(atPath: staging.path))
    }

    @Test("a second writer is refused while the lock is held, naming the holder's pid")
    func lockContention() throws {
        let fixture = try StoreFixture()
        let held = try StateLock(paths: fixture.paths)
        let error = #expect(throws: MailcertError.self) { try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("pid \(ProcessInfo.processInfo.processIdentifier)") == true)
        #expect(error?.message.contains("nothing was changed") == true)
        #expect(fixture.snapshot().isEmpty)
        withExtendedLifetime(held) {}
    }

    @Test("a state directory that cannot be created is reported with its path")
    func unusableStateDirectory() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("plain-file", "x")
        let store = FileCertificateStore(paths: StatePaths(root: URL(fileURLWithPath: file).appendingPathComponent("state")))
        let error = #expect(throws: MailcertError.self) {
            try SelfSignedIssuance(name: "mx1", hostnames: ["mx1.example.com"], key: .generate(.ecdsaP256), days: 1, force: false)
                .run(store: store, now: now)
        }
        #expect(error?.code == .stateDirectory)
        #expect(error?.message.contains(file) == true)
    }

    @Test("default state directories follow DESIGN.md")
    func defaultRoot() {
        #expect(StatePaths.defaultRoot(isRoot: true, xdgStateHome: "/x", home: "/h").path == "/var/lib/mailcert")
        #expect(StatePaths.defaultRoot(isRoot: false, xdgStateHome: "/x", home: "/h").path == "/x/mailcert")
        #expect(StatePaths.defaultRoot(isRoot: false, xdgStateHome: nil, home: "/h").path == "/h/.local/state/mailcert")
    }
}
