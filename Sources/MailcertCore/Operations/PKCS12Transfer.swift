import Foundation
import MailcertCrypto

/// `mailcert import --pkcs12`: a key and chain bundle, e.g. exported from Exchange or Windows, as a new version.
public struct PKCS12Import: Sendable {
    public var name: String
    public var file: URL
    public var password: String

    public init(name: String, file: URL, password: String) {
        self.name = name
        self.file = file
        self.password = password
    }

    public func run(store: any CertificateStore, now: Date) throws -> ImportOutcome {
        let bytes = try UserFile.read(file, purpose: "cannot import into '\(name)'")
        let bundle: PKCS12Bundle
        do { bundle = try PKCS12Bundle(der: bytes, password: password) } catch let error as CryptoError {
            if error.code == .pkcs12Password {
                throw MailcertError(
                    .wrongPassword,
                    "cannot import into '\(name)': the password does not open PKCS#12 bundle \(file.path); "
                        + "nothing was changed; pass the right one with --password-file")
            }
            throw error.inContext("cannot import into '\(name)': \(file.path) is not a usable PKCS#12 bundle; nothing was changed", code: .badInput)
        }
        guard bundle.certificate.matches(bundle.key) else {
            throw MailcertError(
                .keyMismatch,
                "cannot import into '\(name)': in \(file.path) the key does not match the certificate "
                    + "\(bundle.certificate.commonName ?? bundle.certificate.subject); nothing was changed")
        }
        let chain = CertificateChain.ordered(leaf: bundle.certificate, others: bundle.chain).dropFirst()
        return try store.write { writer in
            let version = try writer.addVersion(
                name: name, key: bundle.key, certificate: bundle.certificate, chain: Array(chain), source: .pkcs12, now: now)
            return ImportOutcome(version: version, warnings: ValidityWarnings.of(bundle.certificate, file: file, now: now))
        }
    }
}

/// `mailcert export --pkcs12`: the current version's key and chain as one bundle for Windows or another host.
public struct PKCS12Export: Sendable {
    public var name: String
    public var file: URL
    public var password: String
    /// Overwrite an existing file at `file`.
    public var force: Bool

    public init(name: String, file: URL, password: String, force: Bool) {
        self.name = name
        self.file = file
        self.password = password
        self.force = force
    }

    /// Writes the bundle (0600: it holds the private key) and returns the version exported.
    public func run(store: any CertificateStore) throws -> StoredVersion {
        guard let version = try store.currentVersion(of: name) else {
            throw MailcertError(
                .notFound, "certificate '\(name)' has no current version in \(store.location(of: .certificate(name))); nothing was exported")
        }
        if !force, FileManager.default.fileExists(atPath: file.path) {
            throw MailcertError(
                .outputExists, "\(file.path) already exists; nothing was exported; remove it, choose another file, or use --force")
        }
        let bundle: PKCS12Bundle
        do {
            bundle = PKCS12Bundle(key: try version.privateKey(), certificate: try version.certificate(), chain: try version.chain())
        } catch {
            throw MailcertError.wrapping(error, "cannot export '\(name)'; nothing was exported")
        }
        let der: [UInt8]
        do { der = try bundle.der(password: password, friendlyName: name) } catch let error as CryptoError {
            throw error.inContext("cannot export '\(name)' version \(version.number); nothing was written")
        }
        try POSIXFile.writeAtomically(der, to: file, mode: 0o600)
        return version
    }
}
