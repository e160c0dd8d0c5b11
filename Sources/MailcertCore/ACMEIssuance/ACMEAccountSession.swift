import ACME
import Foundation
import MailcertCrypto

/// An ACME client bound to the stored account of one CA: the key is made and kept on first use, and the account is
/// found or registered once, then reused by every order.
public enum ACMEAccountSession {
    /// A client whose account URL is known, registering (with EAB when given) if the store has no account yet.
    /// `forgetRecord` ignores a stored account the CA no longer knows, so it is found or registered anew.
    public static func open(
        directoryURL: String, store: FileCertificateStore, transport: HTTPTransport, email: String?,
        eab: ExternalAccountBinding?, now: Date, forgetRecord: Bool = false, progress: @Sendable (String) -> Void
    ) async throws -> ACMEClient {
        let accounts = ACMEAccountStore(paths: store.paths)
        try await settleInterruptedRollover(accounts: accounts, directoryURL: directoryURL, store: store, transport: transport, progress: progress)
        let stored = try accounts.load(directoryURL: directoryURL)
        let key: PrivateKey
        if let stored { key = stored.key } else {
            key = try PrivateKey.generate(.ecdsaP256)
            try store.write { _ in try accounts.saveKey(key, directoryURL: directoryURL) }
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
        let record = ACMEAccountStore.Record(directory: directoryURL, url: url, contact: contact, created: now)
        try store.write { _ in try accounts.saveRecord(record) }
        return client
    }

    /// A rollover that stopped after writing key.next.pem: if the CA knows the next key, it becomes the account key;
    /// if the CA does not, the next key is dropped; if the CA cannot be asked, nothing is decided.
    private static func settleInterruptedRollover(
        accounts: ACMEAccountStore, directoryURL: String, store: FileCertificateStore, transport: HTTPTransport,
        progress: @Sendable (String) -> Void
    ) async throws {
        let next = accounts.nextKeyFile(for: directoryURL)
        guard FileManager.default.fileExists(atPath: next.path) else { return }
        let key: PrivateKey
        do { key = try PrivateKey(pem: try POSIXFile.read(next)) } catch {
            throw MailcertError.wrapping(error, "\(next.path) (left by an interrupted key rollover) is unreadable")
        }
        do {
            _ = try await ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key).findAccount()
            try store.write { _ in try accounts.promoteNextKey(directoryURL: directoryURL) }
            progress("an interrupted key rollover had completed at the CA; the new account key is now in use")
        } catch let error as ACMEError where error.problem?.shortType == "accountDoesNotExist" {
            try? FileManager.default.removeItem(at: next)
            progress("an interrupted key rollover had not reached the CA; the old account key stays")
        }
    }
}
