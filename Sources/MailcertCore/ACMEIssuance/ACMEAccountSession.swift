import ACME
import Foundation
import MailcertCrypto

/// An ACME client bound to the stored account of one CA: the key is made and kept on first use, and the account is
/// found or registered once, then reused by every order.
public enum ACMEAccountSession {
    /// A client whose account URL is known, registering (with EAB when given) if the store has no account yet.
    /// `forgetRecord` ignores a stored account the CA no longer knows, so it is found or registered anew.
    public static func open(
        directoryURL: String, store: any CertificateStore, transport: HTTPTransport, email: String?,
        eab: ExternalAccountBinding?, now: Date, forgetRecord: Bool = false, progress: @Sendable (String) -> Void
    ) async throws -> ACMEClient {
        try await settleInterruptedRollover(directoryURL: directoryURL, store: store, transport: transport, progress: progress)
        let stored = try store.account(directoryURL: directoryURL)
        let key: PrivateKey
        if let stored { key = stored.key } else {
            key = try PrivateKey.generate(.ecdsaP256)
            try store.write { writer in try writer.saveAccountKey(key, directoryURL: directoryURL) }
        }
        if let record = stored?.record, !forgetRecord {
            return ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key, accountURL: record.url)
        }
        let client = ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key)
        let contact = email.map { ["mailto:\($0)"] } ?? []
        // A key without a record: an earlier run may have registered it and stopped before writing the record.
        // Ask the CA first (onlyReturnExisting), so the account is found rather than duplicated.
        let url: String
        if stored != nil, let found = try? await client.findAccount() {
            url = found.url
        } else {
            url = try await client.register(contact: contact, eab: eab).url
        }
        progress("account \(url) at \(directoryURL)")
        let record = ACMEAccountRecord(directory: directoryURL, url: url, contact: contact, created: now)
        try store.write { writer in try writer.saveAccountRecord(record) }
        return client
    }

    /// A rollover that stopped after writing key.next.pem: if the CA knows the next key, it becomes the account key;
    /// if the CA does not, the next key is dropped; if the CA cannot be asked, nothing is decided.
    private static func settleInterruptedRollover(
        directoryURL: String, store: any CertificateStore, transport: HTTPTransport,
        progress: @Sendable (String) -> Void
    ) async throws {
        guard let key = try store.accountNextKey(directoryURL: directoryURL) else { return }
        do {
            _ = try await ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key).findAccount()
            try store.write { writer in try writer.promoteAccountNextKey(directoryURL: directoryURL) }
            progress("an interrupted key rollover had completed at the CA; the new account key is now in use")
        } catch let error as ACMEError where error.problem?.shortType == "accountDoesNotExist" {
            try? store.write { writer in try writer.discardAccountNextKey(directoryURL: directoryURL) }
            progress("an interrupted key rollover had not reached the CA; the old account key stays")
        }
    }
}
