import Foundation
import MailcertCrypto

/// `mailcert request --self-signed`: the fallback certificate that keeps a host from ever being without one.
///
/// It becomes the new current version only when the name has no valid CA-signed current version: a fallback must
/// never push a working CA-signed certificate out of service (unless `force`).
public struct SelfSignedIssuance: Sendable {
    public var name: String
    public var hostnames: [String]
    public var key: KeySelection
    public var days: Int
    public var force: Bool

    public init(name: String, hostnames: [String], key: KeySelection, days: Int, force: Bool) {
        self.name = name
        self.hostnames = hostnames
        self.key = key
        self.days = days
        self.force = force
    }

    public func run(store: any CertificateStore, now: Date) throws -> StoredVersion {
        try store.write { writer in
            // A current version that cannot be read is no reason to leave the host without a certificate.
            if !force, let current = try? writer.currentVersion(of: name), let leaf = try? current.certificate() {
                if !leaf.isSelfSigned, leaf.notValidBefore <= now, now < leaf.notValidAfter {
                    throw MailcertError(
                        .wouldReplaceCASigned,
                        "certificate '\(name)' already has a valid CA-signed version \(current.number) "
                            + "(issuer \(leaf.issuerCommonName ?? leaf.issuer), expires \(DateText.day(leaf.notValidAfter)), "
                            + "\(current.location)); a self-signed certificate would replace it in service. "
                            + "Nothing was changed; use --force to replace it anyway")
                }
            }
            let privateKey = try key.key(for: name, store: writer, preferPending: false)
            let certificate: Certificate
            do {
                certificate = try SelfSignedCertificate.make(key: privateKey, hostnames: hostnames, notBefore: now, days: days)
            } catch let error as CryptoError {
                throw error.inContext("cannot sign a certificate for '\(name)'; nothing was changed")
            }
            return try writer.addVersion(
                name: name, key: privateKey, certificate: certificate, chain: [], source: .selfSigned, now: now)
        }
    }
}
