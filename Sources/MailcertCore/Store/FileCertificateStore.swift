#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MailcertCrypto

/// The certificate store on the local file system: the embedded default, and every host's local mirror.
///
/// Keeps the contract of `CertificateStore` with files: `current` is one symlink, switched by rename; a new version is
/// built complete in a temporary directory (each file temp + fsync + rename, then the directory renamed into
/// `versions/<n>`) before `current` moves, so a crash leaves the old version in service and at most a
/// `versions/.tmp-*` directory, which the next writer removes. The lock is `flock` on STATE/lock. Keys are 0600;
/// certificates and metadata 0644; directories 0700 below `certs/`. This is the only code that opens a path under
/// STATE, each formed in `StatePaths`.
public struct FileCertificateStore: CertificateStore {
    public let paths: StatePaths

    /// flock excludes other processes, and also a second descriptor in this one: writes within the process queue here.
    private static let processWriters = NSLock()

    public init(paths: StatePaths) { self.paths = paths }

    public var exists: Bool { FileManager.default.fileExists(atPath: paths.root.path) }

    public func names() throws -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: paths.certs.path) else { return [] }
        return entries.filter { (try? CertificateName.validate($0)) != nil }.sorted()
    }

    public func currentVersion(of name: String) throws -> StoredVersion? {
        guard let target = POSIXFile.readSymlink(paths.current(name)) else { return nil }
        guard let number = Int(target.split(separator: "/").last ?? "") else {
            throw MailcertError(.badInput, "\(paths.current(name).path) points at \(target), which is not a version")
        }
        return try version(number, of: name)
    }

    public func version(_ number: Int, of name: String) throws -> StoredVersion {
        let directory = paths.version(name, number)
        let metaFile = directory.appendingPathComponent(VersionFile.metadata.rawValue)
        let metadata: VersionMetadata
        do { metadata = try StoreJSON.decoder().decode(VersionMetadata.self, from: Data(try POSIXFile.read(metaFile))) }
        catch let error as MailcertError { throw error }
        catch { throw MailcertError(.badInput, "\(metaFile.path) is not valid version metadata: \(error)") }
        func file(_ file: VersionFile) throws -> [UInt8] {
            try POSIXFile.read(directory.appendingPathComponent(file.rawValue))
        }
        return StoredVersion(
            name: name, number: number, metadata: metadata, keyPEM: try file(.key),
            certificatePEM: try file(.certificate), chainPEM: try file(.chain), location: directory.path)
    }

    public func versionNumbers(of name: String) -> [Int] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: paths.versions(name).path)) ?? []
        return entries.compactMap(Int.init).sorted()
    }

    public func pending(of name: String) throws -> PendingKey? {
        let requestFile = StateFile<PendingRequest>(
            url: paths.pendingFile(name, "request.json"), holds: "a valid pending request")
        guard let request = try requestFile.loadIfPresent() else { return nil }
        let keyFile = paths.pendingFile(name, "key.pem")
        return PendingKey(request: request, keyPEM: try POSIXFile.read(keyFile), location: keyFile.path)
    }

    public func nextKey(of name: String) throws -> PrivateKey? {
        try readKey(paths.nextKey(name)) {
            "the next key of '\(name)' (\($0)) is unreadable; nothing was changed; remove it to make a new one"
        }
    }

    public func renewalOptions(of name: String) throws -> ACMEOptions? {
        do {
            return try StateFile<ACMEOptions>(url: paths.renewalOptions(name), holds: "valid renewal options")
                .loadIfPresent()
        } catch {
            throw MailcertError.wrapping(error, "\(paths.renewalOptions(name).path) is not valid renewal options; nothing was changed")
        }
    }

    public func renewalInfo(of name: String) throws -> StoredRenewalInfo? {
        try Self.renewalInfoFile(paths, name).loadIfPresent()
    }

    public func account(directoryURL: String) throws -> StoredAccount? {
        let keyFile = paths.accountKey(directoryURL)
        guard let key = try readKey(keyFile, context: {
            "the account key \($0) of \(directoryURL) is unreadable; nothing was changed"
        }) else { return nil }
        let record = try StateFile<ACMEAccountRecord>(
            url: paths.accountRecord(directoryURL), holds: "a valid account record"
        ).loadIfPresent()
        return StoredAccount(key: key, record: record)
    }

    public func accountNextKey(directoryURL: String) throws -> PrivateKey? {
        try readKey(paths.accountNextKey(directoryURL)) {
            "\($0) (left by an interrupted key rollover) is unreadable"
        }
    }

    public func bindings() throws -> Bindings {
        try Self.bindingsFile(paths).load(empty: Bindings())
    }

    public func deployRecords() throws -> DeployRecords {
        try Self.deployFile(paths).load(empty: DeployRecords())
    }

    public func proofTargets() throws -> ProofTargets {
        try Self.proofsFile(paths).load(empty: ProofTargets())
    }

    public func listenerEndpoints() throws -> ListenerEndpoints {
        try Self.listenerFile(paths).load(empty: ListenerEndpoints())
    }

    public func metricsState() throws -> MetricsState {
        try Self.metricsStateFile(paths).load(empty: MetricsState())
    }

    public func location(of item: StoreItem) -> String {
        switch item {
        case .store: paths.root.path
        case .certificates: paths.certs.path
        case .certificate(let name): paths.certificate(name).path
        case .version(let name, let number): paths.version(name, number).path
        case .pending(let name): paths.pending(name).path
        case .nextKey(let name): paths.nextKey(name).path
        case .renewalOptions(let name): paths.renewalOptions(name).path
        case .renewalInfo(let name): paths.renewalInfo(name).path
        case .accounts: paths.accounts.path
        case .account(let directoryURL): paths.account(directoryURL).path
        case .accountNextKey(let directoryURL): paths.accountNextKey(directoryURL).path
        case .bindings: paths.bindings.path
        case .deployRecords: paths.deployRecords.path
        case .proofTargets: paths.proofTargets.path
        case .listenerEndpoints: paths.listenerEndpoints.path
        case .metrics: paths.metricsExposition.path
        case .metricsHistory: paths.metricsState.path
        }
    }

    /// The root (bindings.json is replaced there) and `certs/` (new certificates appear there).
    public var watchedDirectories: [URL] { [paths.root, paths.certs] }

    public func servedFiles(of name: String) -> ServedFiles {
        ServedFiles(directory: paths.current(name), watched: [paths.certificate(name)])
    }

    /// Runs `body` holding the store's lock. Writers inside one process (concurrent renewals) take turns; a writer
    /// in another process makes this fail at once with `.locked`.
    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        Self.processWriters.lock()
        defer { Self.processWriters.unlock() }
        let lock = try StateLock(paths: paths)
        defer { withExtendedLifetime(lock) {} }
        return try body(FileStoreWriter(store: self))
    }

    public func holdRenewalRun() throws -> RenewalRunLease {
        try StateLock(paths: paths, file: paths.renewLock, holderName: "another 'mailcert renew'")
    }

    /// A PEM key file, nil when absent; `context` words the error from the file's path.
    private func readKey(_ file: URL, context: (String) -> String) throws -> PrivateKey? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do { return try PrivateKey(pem: try POSIXFile.read(file)) } catch let error as CryptoError {
            throw error.inContext(context(file.path), code: .badInput)
        } catch {
            throw MailcertError.wrapping(error, context(file.path))
        }
    }

    static func renewalInfoFile(_ paths: StatePaths, _ name: String) -> StateFile<StoredRenewalInfo> {
        StateFile(url: paths.renewalInfo(name), holds: "the CA's renewal information (ARI)")
    }
    static func bindingsFile(_ paths: StatePaths) -> StateFile<Bindings> {
        StateFile(url: paths.bindings, holds: "a JSON object of service names")
    }
    static func deployFile(_ paths: StatePaths) -> StateFile<DeployRecords> {
        StateFile(url: paths.deployRecords, holds: "a JSON object of deploy settings")
    }
    static func proofsFile(_ paths: StatePaths) -> StateFile<ProofTargets> {
        StateFile(url: paths.proofTargets, holds: "a JSON object of proof targets")
    }
    static func listenerFile(_ paths: StatePaths) -> StateFile<ListenerEndpoints> {
        StateFile(url: paths.listenerEndpoints, holds: "a JSON list of listener endpoints")
    }
    static func metricsStateFile(_ paths: StatePaths) -> StateFile<MetricsState> {
        StateFile(url: paths.metricsState, holds: "mailcert's renewal history", directoryMode: 0o755)
    }
}

/// The file store's writer; made only by `FileCertificateStore.write`, while the lock is held.
struct FileStoreWriter: StoreWriter, ReadsThroughStore {
    let store: FileCertificateStore
    private var paths: StatePaths { store.paths }

    var readSide: any StoreReader { store }

    /// Stores a complete new version of `name` and switches `current` to it in one rename.
    func addVersion(
        name: String, key: PrivateKey, certificate: Certificate, chain: [Certificate],
        source: VersionMetadata.Source, now: Date
    ) throws -> StoredVersion {
        let versions = paths.versions(name)
        try makeCertificateDirectory(name)
        try POSIXFile.makeDirectory(versions, mode: 0o700)
        removeAbandonedTemporaries(in: versions)
        let number = (store.versionNumbers(of: name).last ?? 0) + 1
        let staging = versions.appendingPathComponent(".tmp-\(number)-\(getpid())", isDirectory: true)
        guard mkdir(staging.path, 0o700) == 0 else { throw POSIXFile.failure("cannot create", staging) }
        do {
            let metadata = VersionMetadata(
                version: number, created: now, source: source,
                hostnames: certificate.dnsNames.isEmpty ? [certificate.commonName].compactMap { $0 } : certificate.dnsNames,
                keyType: key.keyType?.rawValue ?? key.displayName, sha256: certificate.sha256Thumbprint,
                notAfter: certificate.notValidAfter)
            let chainPEM = chain.map(\.pem).joined()
            let keyPEM = Array(try key.pkcs8PEM().utf8)
            let files: [(VersionFile, [UInt8], mode_t)] = [
                (.key, keyPEM, 0o600),
                (.privateKey, keyPEM, 0o600),
                (.certificate, Array(certificate.pem.utf8), 0o644),
                (.chain, Array(chainPEM.utf8), 0o644),
                (.fullchain, Array((certificate.pem + chainPEM).utf8), 0o644),
                (.metadata, try StoreJSON.encode(metadata), 0o644),
            ]
            for (file, bytes, mode) in files {
                try POSIXFile.writeAtomically(bytes, to: staging.appendingPathComponent(file.rawValue), mode: mode)
            }
            let final = paths.version(name, number)
            guard rename(staging.path, final.path) == 0 else { throw POSIXFile.failure("cannot rename into place", final) }
            try POSIXFile.syncDirectory(versions)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw MailcertError.wrapping(error, "cannot store a new version of '\(name)'; nothing was changed")
        }
        do { try POSIXFile.replaceSymlink(paths.current(name), target: "versions/\(number)") } catch {
            let previous = POSIXFile.readSymlink(paths.current(name)) ?? "no version"
            try? FileManager.default.removeItem(at: paths.version(name, number))
            throw MailcertError.wrapping(error, "cannot put version \(number) of '\(name)' in service; \(previous) stays current")
        }
        consumeNextKey(name, ifItIs: key)
        return try store.version(number, of: name)
    }

    /// Removes `next-key.pem` once a version uses that key: the pre-published key is now the current one. A crash
    /// before this leaves a next key equal to the current key, which `NextKey` treats as used.
    private func consumeNextKey(_ name: String, ifItIs key: PrivateKey) {
        let file = paths.nextKey(name)
        guard let bytes = try? POSIXFile.read(file), let next = try? PrivateKey(pem: bytes),
            (try? next.publicKeyDER()) == (try? key.publicKeyDER())
        else { return }
        if unlink(file.path) == 0 { try? POSIXFile.syncDirectory(paths.certificate(name)) }
    }

    /// Writes `key` as the next key of `name` (0600, atomically), replacing any earlier one.
    func saveNextKey(name: String, key: PrivateKey) throws {
        try makeCertificateDirectory(name)
        try POSIXFile.writeAtomically(Array(try key.pkcs8PEM().utf8), to: paths.nextKey(name), mode: 0o600)
    }

    /// Keeps the ACME options of `name` for renewals (`certs/<name>/renewal.json`).
    func saveRenewalOptions(name: String, options: ACMEOptions) throws {
        try makeCertificateDirectory(name)
        try StateFile<ACMEOptions>(url: paths.renewalOptions(name), holds: "renewal options").save(options)
    }

    /// Keeps the CA's last ARI answer for `name` (`certs/<name>/ari.json`).
    func saveRenewalInfo(name: String, info: StoredRenewalInfo) throws {
        try makeCertificateDirectory(name)
        try FileCertificateStore.renewalInfoFile(paths, name).save(info)
    }

    /// Makes `key` and the CSR the pending request of `name`, in one symlink switch (`pending -> .pending-<label>`).
    /// An earlier pending request is kept as `pending.replaced-<label>` when `keepPrevious` (its CSR may be at a CA),
    /// else removed.
    func savePending(
        name: String, key: PrivateKey, csr: CertificateSigningRequest, request: PendingRequest, keepPrevious: Bool,
        now: Date
    ) throws {
        let certificateDirectory = paths.certificate(name)
        try makeCertificateDirectory(name)
        recoverOrphanedPending(name)
        let label = Self.uniqueLabel(now)
        let staging = certificateDirectory.appendingPathComponent(".pending-\(label)", isDirectory: true)
        guard mkdir(staging.path, 0o700) == 0 else { throw POSIXFile.failure("cannot create", staging) }
        do {
            try POSIXFile.writeAtomically(Array(try key.pkcs8PEM().utf8), to: staging.appendingPathComponent("key.pem"), mode: 0o600)
            try POSIXFile.writeAtomically(Array(csr.pem.utf8), to: staging.appendingPathComponent("csr.pem"), mode: 0o644)
            try POSIXFile.writeAtomically(try StoreJSON.encode(request), to: staging.appendingPathComponent("request.json"), mode: 0o644)
            try POSIXFile.syncDirectory(staging)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw MailcertError.wrapping(error, "cannot store the pending key of '\(name)'; nothing was changed")
        }
        let previous = POSIXFile.readSymlink(paths.pending(name))
        try POSIXFile.replaceSymlink(paths.pending(name), target: staging.lastPathComponent)
        guard let previous else { return }
        let old = certificateDirectory.appendingPathComponent(previous)
        if keepPrevious {
            _ = rename(old.path, certificateDirectory.appendingPathComponent("pending.replaced-\(label)").path)
        } else {
            try? FileManager.default.removeItem(at: old)
        }
    }

    /// Deletes the pending request once its key lives in a version: no second copy of a key stays behind.
    func removePending(name: String) throws {
        guard let target = POSIXFile.readSymlink(paths.pending(name)) else { return }
        guard unlink(paths.pending(name).path) == 0 else { throw POSIXFile.failure("cannot remove", paths.pending(name)) }
        try POSIXFile.syncDirectory(paths.certificate(name))
        try? FileManager.default.removeItem(at: paths.certificate(name).appendingPathComponent(target))
    }

    func saveAccountKey(_ key: PrivateKey, directoryURL: String) throws {
        try POSIXFile.makeDirectory(paths.account(directoryURL), mode: 0o700)
        try POSIXFile.writeAtomically(Array(try key.pkcs8PEM().utf8), to: paths.accountKey(directoryURL), mode: 0o600)
    }

    func saveAccountRecord(_ record: ACMEAccountRecord) throws {
        try POSIXFile.makeDirectory(paths.account(record.directory), mode: 0o700)
        try StateFile<ACMEAccountRecord>(url: paths.accountRecord(record.directory), holds: "an account record")
            .save(record)
    }

    func saveAccountNextKey(_ key: PrivateKey, directoryURL: String) throws {
        try POSIXFile.makeDirectory(paths.account(directoryURL), mode: 0o700)
        try POSIXFile.writeAtomically(
            Array(try key.pkcs8PEM().utf8), to: paths.accountNextKey(directoryURL), mode: 0o600)
    }

    func promoteAccountNextKey(directoryURL: String) throws {
        let next = paths.accountNextKey(directoryURL)
        guard rename(next.path, paths.accountKey(directoryURL).path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw MailcertError(
                .io,
                "the CA now knows the key in \(next.path), but it could not replace key.pem "
                    + "(\(reason)); rename it by hand")
        }
        try POSIXFile.syncDirectory(paths.account(directoryURL))
    }

    func discardAccountNextKey(directoryURL: String) throws {
        let next = paths.accountNextKey(directoryURL)
        guard unlink(next.path) == 0 || errno == ENOENT else { throw POSIXFile.failure("cannot remove", next) }
        try POSIXFile.syncDirectory(paths.account(directoryURL))
    }

    func saveBindings(_ bindings: Bindings) throws { try FileCertificateStore.bindingsFile(paths).save(bindings) }
    func saveDeployRecords(_ records: DeployRecords) throws { try FileCertificateStore.deployFile(paths).save(records) }
    func saveProofTargets(_ targets: ProofTargets) throws { try FileCertificateStore.proofsFile(paths).save(targets) }
    func saveListenerEndpoints(_ endpoints: ListenerEndpoints) throws {
        try FileCertificateStore.listenerFile(paths).save(endpoints)
    }

    func saveMetrics(state: MetricsState, exposition: String) throws {
        try FileCertificateStore.metricsStateFile(paths).save(state)
        try POSIXFile.writeAtomically(Array(exposition.utf8), to: paths.metricsExposition, mode: 0o644)
    }

    /// Creates `certs/` and `certs/<name>/` private to the owner.
    private func makeCertificateDirectory(_ name: String) throws {
        try POSIXFile.makeDirectory(paths.certs, mode: 0o700)
        try POSIXFile.makeDirectory(paths.certificate(name), mode: 0o700)
    }

    /// A pending directory no symlink points at was left by a crash mid-switch. It may hold a key whose CSR is at a
    /// CA, so it is kept under a visible name rather than deleted.
    private func recoverOrphanedPending(_ name: String) {
        let directory = paths.certificate(name)
        let live = POSIXFile.readSymlink(paths.pending(name))
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for entry in entries where entry.hasPrefix(".pending-") && entry != live {
            let kept = directory.appendingPathComponent("pending.orphaned-\(entry.dropFirst(".pending-".count))")
            _ = rename(directory.appendingPathComponent(entry).path, kept.path)
        }
    }

    /// Time, pid and randomness: two commands in the same second never collide.
    static func uniqueLabel(_ now: Date) -> String {
        "\(Int(now.timeIntervalSince1970))-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
    }

    /// Removes staging directories a crashed writer left behind; safe because we hold the lock.
    private func removeAbandonedTemporaries(in versions: URL) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: versions.path)) ?? []
        for entry in entries where entry.hasPrefix(".tmp-") {
            try? FileManager.default.removeItem(at: versions.appendingPathComponent(entry))
        }
    }
}
