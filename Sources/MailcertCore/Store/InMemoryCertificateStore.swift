import Foundation
import MailcertCrypto

/// The store contract held in memory: for use-case tests (no files, no sockets) and as the reference the other
/// implementations are compared with. Nothing survives the process.
///
/// Writers take turns on one lock, as the file store's do within a process; reads take a short lock of their own,
/// so a writer reads what it wrote.
public final class InMemoryCertificateStore: CertificateStore, @unchecked Sendable {
    /// Everything the store holds; guarded by `stateLock`.
    struct Contents {
        var versions: [String: [StoredVersion]] = [:]
        var current: [String: Int] = [:]
        var pending: [String: PendingKey] = [:]
        var nextKeys: [String: PrivateKey] = [:]
        var renewalOptions: [String: ACMEOptions] = [:]
        var renewalInfo: [String: StoredRenewalInfo] = [:]
        var accounts: [String: StoredAccount] = [:]
        var accountNextKeys: [String: PrivateKey] = [:]
        var bindings = Bindings()
        var deployRecords = DeployRecords()
        var proofTargets = ProofTargets()
        var listenerEndpoints = ListenerEndpoints()
        var metricsState = MetricsState()
        var metricsExposition: String?
    }

    private let writerLock = NSLock()
    private let stateLock = NSLock()
    private var contents = Contents()
    private var renewalRunning = false
    /// Where `servedFiles(of:)` says this host's files are (never written: tests of what reads them use files).
    public let servedRoot: URL

    public init(servedRoot: URL = URL(fileURLWithPath: "/nonexistent/mailcert-memory", isDirectory: true)) {
        self.servedRoot = servedRoot
    }

    /// Called once each write scope has ended and its lock is released: where a writer in another process could
    /// step in. Tests use it to land a renewal at exactly that moment. Cleared before it runs (one shot).
    public var whenUnlocked: (@Sendable (InMemoryCertificateStore) -> Void)? {
        get { read { _ in unlockedHook } }
        set { change { _ in unlockedHook = newValue } }
    }
    private var unlockedHook: (@Sendable (InMemoryCertificateStore) -> Void)?

    /// The last exposition `saveMetrics` wrote, if any.
    public var metricsExposition: String? { read { $0.metricsExposition } }

    public var exists: Bool { true }

    func read<T>(_ body: (Contents) throws -> T) rethrows -> T {
        stateLock.lock()
        defer { stateLock.unlock() }
        return try body(contents)
    }

    func change<T>(_ body: (inout Contents) throws -> T) rethrows -> T {
        stateLock.lock()
        defer { stateLock.unlock() }
        return try body(&contents)
    }

    public func names() throws -> [String] {
        read { Set($0.versions.keys).union($0.pending.keys).union($0.nextKeys.keys).sorted() }
    }

    public func currentVersion(of name: String) throws -> StoredVersion? {
        read { contents in contents.current[name].flatMap { number in contents.versions[name]?[number - 1] } }
    }

    public func version(_ number: Int, of name: String) throws -> StoredVersion {
        guard let version = read({ $0.versions[name]?.first { $0.number == number } }) else {
            throw MailcertError(.notFound, "certificate '\(name)' has no version \(number)")
        }
        return version
    }

    public func versionNumbers(of name: String) throws -> [Int] { read { ($0.versions[name] ?? []).map(\.number) } }
    public func pending(of name: String) throws -> PendingKey? { read { $0.pending[name] } }
    public func nextKey(of name: String) throws -> PrivateKey? { read { $0.nextKeys[name] } }
    public func renewalOptions(of name: String) throws -> ACMEOptions? { read { $0.renewalOptions[name] } }
    public func renewalInfo(of name: String) throws -> StoredRenewalInfo? { read { $0.renewalInfo[name] } }
    public func account(directoryURL: String) throws -> StoredAccount? { read { $0.accounts[directoryURL] } }
    public func accountNextKey(directoryURL: String) throws -> PrivateKey? {
        read { $0.accountNextKeys[directoryURL] }
    }
    public func bindings() throws -> Bindings { read { $0.bindings } }
    public func deployRecords() throws -> DeployRecords { read { $0.deployRecords } }
    public func proofTargets() throws -> ProofTargets { read { $0.proofTargets } }
    public func listenerEndpoints() throws -> ListenerEndpoints { read { $0.listenerEndpoints } }
    public func metricsState() throws -> MetricsState { read { $0.metricsState } }

    public func location(of item: StoreItem) -> String { "memory:\(item)" }

    public var watchedDirectories: [URL] { [] }

    public func servedFiles(of name: String) -> ServedFiles {
        let directory = servedRoot.appendingPathComponent(name, isDirectory: true)
        return ServedFiles(directory: directory, watched: [directory])
    }

    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        let result: T
        do {
            writerLock.lock()
            defer { writerLock.unlock() }
            result = try body(InMemoryStoreWriter(store: self))
        }
        let hook: (@Sendable (InMemoryCertificateStore) -> Void)? = change { _ in
            defer { unlockedHook = nil }
            return unlockedHook
        }
        hook?(self)
        return result
    }

    public func holdRenewalRun() throws -> RenewalRunLease {
        let taken = change { _ in
            defer { renewalRunning = true }
            return renewalRunning
        }
        if taken {
            throw MailcertError(.locked, "another 'mailcert renew' holds the renewal run; nothing was changed")
        }
        return Lease { [weak self] in self?.change { _ in self?.renewalRunning = false } }
    }

    private final class Lease: RenewalRunLease {
        let release: () -> Void
        init(release: @escaping () -> Void) { self.release = release }
        deinit { release() }
    }
}

/// The in-memory store's writer; made only by `InMemoryCertificateStore.write`.
struct InMemoryStoreWriter: StoreWriter, ReadsThroughStore {
    let store: InMemoryCertificateStore

    var readSide: any StoreReader { store }

    func addVersion(
        name: String, key: PrivateKey, certificate: Certificate, chain: [Certificate], source: VersionMetadata.Source,
        now: Date
    ) throws -> StoredVersion {
        let keyPEM = Array(try key.pkcs8PEM().utf8)
        let publicKey = try key.publicKeyDER()
        return try store.change { contents in
            let number = (contents.versions[name]?.count ?? 0) + 1
            let version = StoredVersion(
                name: name, number: number,
                metadata: VersionMetadata(
                    version: number, created: now, source: source,
                    hostnames: certificate.dnsNames.isEmpty
                        ? [certificate.commonName].compactMap { $0 } : certificate.dnsNames,
                    keyType: key.keyType?.rawValue ?? key.displayName, sha256: certificate.sha256Thumbprint,
                    notAfter: certificate.notValidAfter),
                keyPEM: keyPEM, certificatePEM: Array(certificate.pem.utf8),
                chainPEM: Array(chain.map(\.pem).joined().utf8), location: "memory:\(name)/versions/\(number)")
            contents.versions[name, default: []].append(version)
            contents.current[name] = number
            if let next = contents.nextKeys[name], (try? next.publicKeyDER()) == publicKey {
                contents.nextKeys[name] = nil
            }
            return version
        }
    }

    func saveNextKey(name: String, key: PrivateKey) throws { store.change { $0.nextKeys[name] = key } }
    func saveRenewalOptions(name: String, options: ACMEOptions) throws {
        store.change { $0.renewalOptions[name] = options }
    }
    func saveRenewalInfo(name: String, info: StoredRenewalInfo) throws { store.change { $0.renewalInfo[name] = info } }

    func savePending(
        name: String, key: PrivateKey, csr: CertificateSigningRequest, request: PendingRequest, keepPrevious: Bool,
        now: Date
    ) throws {
        let pending = PendingKey(
            request: request, keyPEM: Array(try key.pkcs8PEM().utf8), location: "memory:\(name)/pending/key.pem")
        store.change { $0.pending[name] = pending }
    }

    func removePending(name: String) throws { store.change { $0.pending[name] = nil } }
    func saveAccountKey(_ key: PrivateKey, directoryURL: String) throws {
        store.change { $0.accounts[directoryURL] = StoredAccount(key: key, record: $0.accounts[directoryURL]?.record) }
    }
    func saveAccountRecord(_ record: ACMEAccountRecord) throws {
        try store.change { contents in
            guard let account = contents.accounts[record.directory] else {
                throw MailcertError(.notFound, "no account key for \(record.directory)")
            }
            contents.accounts[record.directory] = StoredAccount(key: account.key, record: record)
        }
    }
    func saveAccountNextKey(_ key: PrivateKey, directoryURL: String) throws {
        store.change { $0.accountNextKeys[directoryURL] = key }
    }
    func promoteAccountNextKey(directoryURL: String) throws {
        try store.change { contents in
            guard let next = contents.accountNextKeys.removeValue(forKey: directoryURL) else {
                throw MailcertError(.notFound, "no next account key for \(directoryURL)")
            }
            contents.accounts[directoryURL] = StoredAccount(key: next, record: contents.accounts[directoryURL]?.record)
        }
    }
    func discardAccountNextKey(directoryURL: String) throws {
        store.change { $0.accountNextKeys[directoryURL] = nil }
    }
    func saveBindings(_ bindings: Bindings) throws { store.change { $0.bindings = bindings } }
    func saveDeployRecords(_ records: DeployRecords) throws { store.change { $0.deployRecords = records } }
    func saveProofTargets(_ targets: ProofTargets) throws { store.change { $0.proofTargets = targets } }
    func saveListenerEndpoints(_ endpoints: ListenerEndpoints) throws {
        store.change { $0.listenerEndpoints = endpoints }
    }
    func saveMetrics(state: MetricsState, exposition: String) throws {
        store.change {
            $0.metricsState = state
            $0.metricsExposition = exposition
        }
    }
}
