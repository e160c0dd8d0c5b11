import Foundation
import MailcertCrypto

/// After a failed ACME renewal: a host must never be left with no usable certificate at all.
///
/// When the version in service has expired (or none can be read) and the renewal failed, a self-signed fallback for
/// the same hostnames goes into service, loudly: opportunistic TLS keeps working, senders that verify refuse it. The
/// next `renew` treats a self-signed certificate under an ACME lineage as due, so ACME replaces it as soon as it can.
public enum FallbackGuard {
    /// Puts a fallback in service for `name` when it needs one; returns its version, or nil when none was needed.
    public static func ensureUsable(name: String, store: any CertificateStore, now: Date) throws -> StoredVersion? {
        if let current = try? store.currentVersion(of: name), let leaf = try? current.certificate(),
            leaf.notValidBefore <= now, now < leaf.notValidAfter
        {
            return nil
        }
        let options = try ACMERenewal.options(of: name, store: store)
        let issuance = SelfSignedIssuance(
            name: name, hostnames: options.hostnames,
            key: .generate(options.keyType.flatMap(KeyType.init(rawValue:))), days: 30, force: false)
        return try issuance.run(store: store, now: now)
    }
}
