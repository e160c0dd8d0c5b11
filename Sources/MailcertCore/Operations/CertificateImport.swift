import Foundation
import MailcertCrypto

/// `mailcert import --name NAME CERT [--chain FILE]`: installs a CA's answer to the pending CSR of NAME.
///
/// The certificate file may be PEM (the leaf alone, or leaf and chain in any order) or DER. The leaf is the
/// certificate whose public key is the pending key; anything else is chain, ordered leaf first.
public struct CertificateImport: Sendable {
    public var name: String
    public var certificateFile: URL
    public var chainFile: URL?

    public init(name: String, certificateFile: URL, chainFile: URL?) {
        self.name = name
        self.certificateFile = certificateFile
        self.chainFile = chainFile
    }

    public func run(store: any CertificateStore, now: Date) throws -> ImportOutcome {
        let certificates = try Self.readCertificates(certificateFile, into: name)
        let extra = try chainFile.map { try Self.readCertificates($0, into: name) } ?? []
        return try store.write { writer in
            guard let pending = try writer.pending(of: name) else {
                throw MailcertError(
                    .noPendingKey,
                    "certificate '\(name)' has no pending key (\(writer.location(of: .pending(name)))/key.pem does not "
                        + "exist): import pairs a CA's answer with the key made by 'mailcert request --csr-out'. "
                        + "Nothing was changed; for a certificate that comes with its key, use 'import --pkcs12'")
            }
            let key = try pending.key()
            guard let leaf = certificates.first(where: { $0.matches(key) }) else {
                let shown = CertificateChain.leaf(of: certificates)!
                throw MailcertError(
                    .keyMismatch,
                    "the certificate in \(certificateFile.path) (\(shown.commonName ?? shown.subject), public key SHA-256 "
                        + "\((try? shown.publicKeyFingerprint()) ?? "unreadable")) does not match the pending key of '\(name)' "
                        + "(public key SHA-256 \((try? key.publicKeyFingerprint()) ?? "unreadable"), \(pending.location)). "
                        + "Nothing was changed; import the certificate the CA issued for this CSR")
            }
            let chain = CertificateChain.ordered(leaf: leaf, others: certificates + extra).dropFirst()
            var warnings = ValidityWarnings.of(leaf, file: certificateFile, now: now)
            let missing = pending.request.hostnames.filter { !leaf.dnsNames.contains($0) }
            if !missing.isEmpty {
                warnings.append("the certificate does not name \(missing.joined(separator: ", ")), which the CSR asked for")
            }
            let version = try writer.addVersion(
                name: name, key: key, certificate: leaf, chain: Array(chain), source: .imported, now: now)
            do { try writer.removePending(name: name) } catch {
                warnings.append("version \(version.number) is in service, but the pending request could not be removed (\(error)); remove \(writer.location(of: .pending(name))) by hand")
            }
            return ImportOutcome(version: version, warnings: warnings)
        }
    }

    /// Every certificate in `file`, or an error naming the file and the target certificate.
    static func readCertificates(_ file: URL, into name: String) throws -> [Certificate] {
        let bytes = try UserFile.read(file, purpose: "cannot import into '\(name)'")
        do { return try Certificate.parseAll(bytes) } catch let error as CryptoError {
            throw MailcertError(
                .badInput, "cannot import into '\(name)': \(file.path): \(error); nothing was changed")
        }
    }
}

/// What an import stored, and what the administrator should know about it.
public struct ImportOutcome: Sendable {
    public let version: StoredVersion
    public let warnings: [String]
}

/// Warnings for a certificate that is stored although it cannot serve right now.
enum ValidityWarnings {
    static func of(_ leaf: Certificate, file: URL, now: Date) -> [String] {
        if now >= leaf.notValidAfter {
            return ["the certificate in \(file.path) expired on \(DateText.day(leaf.notValidAfter)); peers will reject it"]
        }
        if now < leaf.notValidBefore {
            return ["the certificate in \(file.path) is not valid before \(DateText.day(leaf.notValidBefore)); peers will reject it until then"]
        }
        return []
    }
}
