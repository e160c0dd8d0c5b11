import Foundation
import MailcertCrypto

/// The store: the only way anything in mailcert reads or writes its state.
///
/// The contract every implementation keeps (the file store today, a shared database later):
/// - **Reads need no lock** and see whole values: a version is complete before it can be current, and `current`
///   switches in one step, so a reader sees the old version or the new one, never a mix.
/// - **Writes happen only inside `write { writer in }`**, which holds the store's one lock for its whole body.
///   Everything that changes state is a method of `StoreWriter`, and a writer exists only inside that scope: code
///   that needs the lock takes the writer as an argument, so an unlocked write does not compile. A second process
///   that wants to write fails at once with `.locked`, naming the holder; writers within one process take turns.
/// - **Every write is durable before it returns** (file store: temp file, fsync, rename, fsync of the directory).
///   A crash at any moment leaves each value as it was or as it was written, never torn.
/// - **Versions are append-only**: `addVersion` stores a complete new version and makes it current in one switch;
///   earlier versions stay readable by number. The next key, once a version uses it, is gone from `nextKey`.
/// - **Absent is not damaged**: a value never written reads as nil or empty; one that exists but cannot be decoded is
///   an error naming where it lives (`location(of:)`), so nothing is guessed over a broken file.
/// - **Names are validated** by `CertificateName` before they reach a store.
///
/// No signature names a file or a handle, except `servedFiles(of:)`: the files this host's daemons and listener
/// read. Those are always local (a shared store mirrors each version into them).
public protocol CertificateStore: StoreReader, Sendable {
    /// Runs `body` holding the store's lock; every change goes through the writer it is given.
    func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T

    /// Held for a whole `renew` run, so two runs (a timer and an admin) never order the same certificates twice;
    /// released when the returned value is. Fails with `.locked`, naming the holder.
    func holdRenewalRun() throws -> RenewalRunLease

    /// Whether the store has been created at all: a run that changed nothing must not create it.
    var exists: Bool { get }

    /// The stable paths of the version of `name` in service on this host (what Postfix, Dovecot, hooks and the
    /// listener are configured with), and the directories whose changes mean "a new version is current".
    func servedFiles(of name: String) -> ServedFiles

    /// Local directories whose changes mean bindings or the set of certificates changed (the listener watches them).
    var watchedDirectories: [URL] { get }
}

/// The read side, shared by the store and its writer (a writer reads what it has written).
public protocol StoreReader {
    /// Every certificate name the store holds, sorted.
    func names() throws -> [String]
    /// The version in service, or nil when `name` has none yet.
    func currentVersion(of name: String) throws -> StoredVersion?
    /// One version by number.
    func version(_ number: Int, of name: String) throws -> StoredVersion
    /// The version numbers of `name`, ascending.
    func versionNumbers(of name: String) throws -> [Int]
    /// The request waiting for `import` (a key and what its CSR asked for), or nil.
    func pending(of name: String) throws -> PendingKey?
    /// The pre-generated next key (DANE rollover), or nil; `NextKey` decides whether it is still unused.
    func nextKey(of name: String) throws -> PrivateKey?
    /// The ACME options a certificate was obtained with, or nil when it was not obtained over ACME.
    func renewalOptions(of name: String) throws -> ACMEOptions?
    /// The CA's last renewal information (ARI) for `name`'s certificate, or nil when none was kept.
    func renewalInfo(of name: String) throws -> StoredRenewalInfo?
    /// The account kept for a CA directory, or nil.
    func account(directoryURL: String) throws -> StoredAccount?
    /// The new key of an account rollover the CA has not yet confirmed, or nil.
    func accountNextKey(directoryURL: String) throws -> PrivateKey?
    /// Which certificate each service uses.
    func bindings() throws -> Bindings
    /// How each daemon service was deployed, as `enable` last did it.
    func deployRecords() throws -> DeployRecords
    /// Where each bound service was last proven.
    func proofTargets() throws -> ProofTargets
    /// Where running listeners say they listen.
    func listenerEndpoints() throws -> ListenerEndpoints
    /// The renewal history behind the metrics file.
    func metricsState() throws -> MetricsState
    /// Where `item` lives, in words an admin can act on (a path for the file store).
    func location(of item: StoreItem) -> String
}

/// The write side; exists only inside `CertificateStore.write`.
public protocol StoreWriter: StoreReader {
    /// Stores a complete new version of `name` and makes it current in one switch; a next key equal to `key` is
    /// consumed.
    func addVersion(
        name: String, key: PrivateKey, certificate: Certificate, chain: [Certificate], source: VersionMetadata.Source,
        now: Date
    ) throws -> StoredVersion
    /// Makes `key` the next key of `name`, replacing any earlier one.
    func saveNextKey(name: String, key: PrivateKey) throws
    func saveRenewalOptions(name: String, options: ACMEOptions) throws
    /// Replaces the kept renewal information of `name` with the CA's latest answer.
    func saveRenewalInfo(name: String, info: StoredRenewalInfo) throws
    /// Makes `key` and its CSR the pending request of `name` in one switch; an earlier pending request is kept
    /// aside when `keepPrevious` (its CSR may be at a CA), else dropped.
    func savePending(
        name: String, key: PrivateKey, csr: CertificateSigningRequest, request: PendingRequest, keepPrevious: Bool,
        now: Date
    ) throws
    /// Drops the pending request once its key lives in a version.
    func removePending(name: String) throws
    /// The account key, stored before the CA knows it so a crash never loses it.
    func saveAccountKey(_ key: PrivateKey, directoryURL: String) throws
    func saveAccountRecord(_ record: ACMEAccountRecord) throws
    /// Keeps a rollover's new key beside the old one until the CA has agreed to it.
    func saveAccountNextKey(_ key: PrivateKey, directoryURL: String) throws
    /// The CA knows the next key: it replaces the account key in one step.
    func promoteAccountNextKey(directoryURL: String) throws
    /// The CA never saw the next key: it is dropped.
    func discardAccountNextKey(directoryURL: String) throws
    func saveBindings(_ bindings: Bindings) throws
    func saveDeployRecords(_ records: DeployRecords) throws
    func saveProofTargets(_ targets: ProofTargets) throws
    func saveListenerEndpoints(_ endpoints: ListenerEndpoints) throws
    /// The renewal history and the exposition rendered from it, written together.
    func saveMetrics(state: MetricsState, exposition: String) throws
}

/// Held while one `renew` run works; releasing it (dropping the last reference) lets the next run start.
public protocol RenewalRunLease: AnyObject {}

/// Things a store holds, for naming them in messages.
public enum StoreItem: Sendable, Hashable {
    case store
    case certificates
    case certificate(String)
    case version(String, Int)
    case pending(String)
    case nextKey(String)
    case renewalOptions(String)
    case renewalInfo(String)
    case accounts
    case account(directoryURL: String)
    case accountNextKey(directoryURL: String)
    case bindings
    case deployRecords
    case proofTargets
    case listenerEndpoints
    case metrics
    case metricsHistory
}

/// The pending request of a name: what its CSR asked for, and the key waiting for the CA's answer.
public struct PendingKey: Sendable {
    public var request: PendingRequest
    public var keyPEM: [UInt8]
    /// Where it lives, for messages.
    public var location: String

    public init(request: PendingRequest, keyPEM: [UInt8], location: String) {
        self.request = request
        self.keyPEM = keyPEM
        self.location = location
    }

    public func key() throws -> PrivateKey {
        do { return try PrivateKey(pem: keyPEM) } catch let error as CryptoError {
            throw error.inContext("the pending key \(location) is unreadable; nothing was changed", code: .badInput)
        }
    }
}

/// An ACME account as the store keeps it: the key, and what the CA said once it registered the key.
public struct StoredAccount: Sendable {
    public var key: PrivateKey
    /// Nil until the CA has registered the key.
    public var record: ACMEAccountRecord?

    public init(key: PrivateKey, record: ACMEAccountRecord?) {
        self.key = key
        self.record = record
    }
}

/// What is known of an account besides its key.
public struct ACMEAccountRecord: Codable, Equatable, Sendable {
    public var directory: String
    public var url: String
    public var contact: [String]
    public var created: Date

    public init(directory: String, url: String, contact: [String], created: Date) {
        self.directory = directory
        self.url = url
        self.contact = contact
        self.created = created
    }
}

/// The files of the version in service on this host, by their stable `current/` paths.
public struct ServedFiles: Sendable, Equatable {
    public var directory: URL
    public var key: URL { directory.appendingPathComponent(VersionFile.key.rawValue) }
    public var certificate: URL { directory.appendingPathComponent(VersionFile.certificate.rawValue) }
    public var chain: URL { directory.appendingPathComponent(VersionFile.chain.rawValue) }
    public var fullchain: URL { directory.appendingPathComponent(VersionFile.fullchain.rawValue) }
    /// Directories whose entries change when a new version goes into service (the listener watches them).
    public var watched: [URL]

    public init(directory: URL, watched: [URL]) {
        self.directory = directory
        self.watched = watched
    }
}
