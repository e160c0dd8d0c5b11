import ACME
import Foundation
import MailcertCrypto

/// ACME accounts in the store, one per CA directory URL:
/// `STATE/accounts/<directory-host>/<id>/{account.json,key.pem}`, where `<id>` is derived from the directory URL.
public struct ACMEAccountStore: Sendable {
    public let paths: StatePaths

    public init(paths: StatePaths) { self.paths = paths }

    /// What is known of an account besides its key.
    public struct Record: Codable, Equatable, Sendable {
        public var directory: String
        public var url: String
        public var contact: [String]
        public var created: Date
    }

    public func directory(for directoryURL: String) -> URL {
        let host = URL(string: directoryURL).flatMap { url in url.host.map { $0 + (url.port.map { "_\($0)" } ?? "") } } ?? "unknown"
        let id = String(Digest.sha256.thumbprint(Array(directoryURL.utf8)).prefix(16)).lowercased()
        return paths.accounts.appendingPathComponent(host, isDirectory: true).appendingPathComponent(id, isDirectory: true)
    }

    /// The account key and record for `directoryURL`; the record is nil until the CA has registered the key.
    public func load(directoryURL: String) throws -> (key: PrivateKey, record: Record?)? {
        let directory = directory(for: directoryURL)
        let keyFile = directory.appendingPathComponent("key.pem")
        guard FileManager.default.fileExists(atPath: keyFile.path) else { return nil }
        let key: PrivateKey
        do { key = try PrivateKey(pem: try POSIXFile.read(keyFile)) } catch {
            throw MailcertError.wrapping(error, "the account key \(keyFile.path) of \(directoryURL) is unreadable; nothing was changed")
        }
        let recordFile = directory.appendingPathComponent("account.json")
        guard FileManager.default.fileExists(atPath: recordFile.path) else { return (key, nil) }
        do {
            return (key, try StoreJSON.decoder().decode(Record.self, from: Data(try POSIXFile.read(recordFile))))
        } catch {
            throw MailcertError.wrapping(error, "\(recordFile.path) is not a valid account record")
        }
    }

    /// Where a rollover keeps the new key until the CA has agreed to it.
    public func nextKeyFile(for directoryURL: String) -> URL {
        directory(for: directoryURL).appendingPathComponent("key.next.pem")
    }

    /// Makes the next key the account key (after the CA showed it knows it).
    public func promoteNextKey(directoryURL: String) throws {
        let directory = directory(for: directoryURL)
        guard rename(nextKeyFile(for: directoryURL).path, directory.appendingPathComponent("key.pem").path) == 0 else {
            throw MailcertError(.io, "cannot replace \(directory.path)/key.pem with key.next.pem: \(String(cString: strerror(errno)))")
        }
        try POSIXFile.syncDirectory(directory)
    }

    /// Writes the key (0600) before the CA knows it, so a crash after registration never loses the account key.
    public func saveKey(_ key: PrivateKey, directoryURL: String) throws {
        let directory = directory(for: directoryURL)
        try POSIXFile.makeDirectory(directory, mode: 0o700)
        try POSIXFile.writeAtomically(Array(try key.pkcs8PEM().utf8), to: directory.appendingPathComponent("key.pem"), mode: 0o600)
    }

    public func saveRecord(_ record: Record) throws {
        let directory = directory(for: record.directory)
        try POSIXFile.makeDirectory(directory, mode: 0o700)
        try POSIXFile.writeAtomically(try StoreJSON.encode(record), to: directory.appendingPathComponent("account.json"), mode: 0o644)
    }
}
