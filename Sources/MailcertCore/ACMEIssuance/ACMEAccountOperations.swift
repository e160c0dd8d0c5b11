import ACME
import Foundation
import MailcertCrypto

/// `mailcert revoke`: asks the CA that issued NAME's certificate in service to revoke it.
public struct ACMERevocation: Sendable {
    public var name: String
    /// RFC 5280 CRLReason code.
    public var reason: Int?

    public init(name: String, reason: Int?) {
        self.name = name
        self.reason = reason
    }

    public func run(store: any CertificateStore, transport: TransportFactory, now: Date, progress: @escaping @Sendable (String) -> Void) async throws -> StoredVersion {
        let options = try ACMERenewal.options(of: name, store: store)
        guard let current = try store.currentVersion(of: name) else {
            throw MailcertError(.notFound, "certificate '\(name)' has no version in service; nothing to revoke")
        }
        let directoryURL = try ACMEOptions.directoryURL(options.server)
        let http = transport(options.caBundle)
        let der = try current.certificate().der
        do {
            if let record = try store.account(directoryURL: directoryURL), let account = record.record {
                let client = ACMEClient(directoryURL: directoryURL, transport: http, accountKey: record.key, accountURL: account.url)
                try await client.revoke(certificateDER: der, reason: reason)
            } else {
                // No account here (the certificate came from elsewhere): the certificate's own key may revoke it.
                progress("no account for \(directoryURL) in the store; signing the revocation with the certificate's key")
                let client = ACMEClient(directoryURL: directoryURL, transport: http, accountKey: try current.privateKey())
                try await client.revoke(certificateDER: der, reason: reason, signedByCertificateKey: true)
            }
        } catch let error as ACMEError {
            let unknown = error.code == .transport ? " (the CA may or may not have revoked it; run the command again)" : ""
            throw MailcertError(.acme, "cannot revoke '\(name)' version \(current.number) at \(directoryURL): \(error.message)\(unknown)")
        }
        return current
    }

    /// The RFC 5280 reason names `--reason` accepts.
    public static let reasons: [String: Int] = [
        "unspecified": 0, "keyCompromise": 1, "affiliationChanged": 3, "superseded": 4, "cessationOfOperation": 5,
    ]
}

/// `mailcert account rollover`: replaces the account key at the CA (RFC 8555 section 7.3.5).
///
/// The new key is written as `key.next.pem` before the CA is asked, and renamed over `key.pem` after it agreed, so
/// no moment exists where the only copy of the key the CA knows is in memory.
public struct ACMEAccountRollover: Sendable {
    public var directoryURL: String

    public init(directoryURL: String) { self.directoryURL = directoryURL }

    public func run(store: any CertificateStore, transport: HTTPTransport, now: Date, progress: @escaping @Sendable (String) -> Void) async throws -> String {
        guard let stored = try store.account(directoryURL: directoryURL), let record = stored.record else {
            throw MailcertError(
                .notFound,
                "there is no account for \(directoryURL) in \(store.location(of: .accounts)); nothing was changed")
        }
        let newKey = try PrivateKey.generate(.ecdsaP256)
        let next = store.location(of: .accountNextKey(directoryURL: directoryURL))
        guard try store.accountNextKey(directoryURL: directoryURL) == nil else {
            throw MailcertError(
                .badInput,
                "an earlier rollover of \(record.url) was interrupted (\(next) exists); the next order settles which "
                    + "key the CA knows; nothing was changed")
        }
        try store.write { writer in try writer.saveAccountNextKey(newKey, directoryURL: directoryURL) }
        let client = ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: stored.key, accountURL: record.url)
        do { _ = try await client.rollover(to: newKey) } catch let error as ACMEError {
            guard error.code == .problem else {
                throw MailcertError(
                    .acme,
                    "the key rollover of \(record.url) did not complete (\(error.message)); the CA may already use the new "
                        + "key, so \(next) is kept and the next order uses whichever key the CA knows")
            }
            try? store.write { writer in try writer.discardAccountNextKey(directoryURL: directoryURL) }
            throw MailcertError(.acme, "the CA refused the key rollover of \(record.url): \(error.message); the old key stays")
        }
        try store.write { writer in try writer.promoteAccountNextKey(directoryURL: directoryURL) }
        progress("account \(record.url) now uses a new key")
        return record.url
    }
}
