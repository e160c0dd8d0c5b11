import ACME
import Foundation
import MailcertCrypto

/// An ACME client bound to the stored account of one CA: the key is made and kept on first use, and the account is
/// found or registered once, then reused by every order.
public enum ACMEAccountSession {
    /// A client whose account URL is known, registering (with EAB when given) if the store has no account yet.
    public static func open(
        directoryURL: String, store: FileCertificateStore, transport: HTTPTransport, email: String?,
        eab: ExternalAccountBinding?, now: Date, progress: @Sendable (String) -> Void
    ) async throws -> ACMEClient {
        let accounts = ACMEAccountStore(paths: store.paths)
        let stored = try accounts.load(directoryURL: directoryURL)
        let key: PrivateKey
        if let stored { key = stored.key } else {
            key = try PrivateKey.generate(.ecdsaP256)
            try store.write { _ in try accounts.saveKey(key, directoryURL: directoryURL) }
        }
        if let record = stored?.record {
            return ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key, accountURL: record.url)
        }
        let client = ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key)
        let contact = email.map { ["mailto:\($0)"] } ?? []
        let (url, _) = try await client.register(contact: contact, eab: eab)
        progress("account \(url) at \(directoryURL)")
        let record = ACMEAccountStore.Record(directory: directoryURL, url: url, contact: contact, created: now)
        try store.write { _ in try accounts.saveRecord(record) }
        return client
    }
}
