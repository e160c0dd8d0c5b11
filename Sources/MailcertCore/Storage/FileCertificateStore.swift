#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MailcertCrypto

/// The certificate store on the local file system.
///
/// Contract:
/// - Reads need no lock: `current` is one symlink, switched by rename, so a reader sees the old version or the new
///   one, whole.
/// - Writes happen only inside `write { }`, which holds STATE/lock, so two mailcert processes never write at once.
/// - A new version is built complete in a temporary directory (each file temp + fsync + rename, then the directory
///   renamed into `versions/<n>`) before `current` moves. A crash leaves the old version in service and at most a
///   `versions/.tmp-*` directory, which the next writer removes.
/// - Keys are 0600; certificates and metadata 0644; directories 0700 below `certs/`.
public struct FileCertificateStore: Sendable {
    public let paths: StatePaths

    /// flock excludes other processes, and also a second descriptor in this one: writes within the process queue here.
    private static let processWriters = NSLock()

    public init(paths: StatePaths) { self.paths = paths }

    /// Every certificate name with a directory in the store, sorted.
    public func names() throws -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: paths.certs.path) else { return [] }
        return entries.filter { (try? CertificateName.validate($0)) != nil }.sorted()
    }

    /// The version `current` points at, or nil when the name has none yet.
    public func currentVersion(of name: String) throws -> StoredVersion? {
        guard let target = POSIXFile.readSymlink(paths.current(name)) else { return nil }
        guard let number = Int(target.split(separator: "/").last ?? "") else {
            throw MailcertError(.badInput, "\(paths.current(name).path) points at \(target), which is not a version")
        }
        return try version(number, of: name)
    }

    /// One version by number.
    public func version(_ number: Int, of name: String) throws -> StoredVersion {
        let directory = paths.version(name, number)
        let metaFile = directory.appendingPathComponent(VersionFile.metadata.rawValue)
        let metadata: VersionMetadata
        do { metadata = try StoreJSON.decoder().decode(VersionMetadata.self, from: Data(try POSIXFile.read(metaFile))) }
        catch let error as MailcertError { throw error }
        catch { throw MailcertError(.badInput, "\(metaFile.path) is not valid version metadata: \(error)") }
        return StoredVersion(name: name, number: number, directory: directory, metadata: metadata)
    }

    /// The version numbers present, ascending.
    public func versionNumbers(of name: String) -> [Int] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: paths.versions(name).path)) ?? []
        return entries.compactMap(Int.init).sorted()
    }

    /// The request waiting for `import`, with its key, or nil.
    public func pending(of name: String) throws -> (request: PendingRequest, keyFile: URL)? {
        let directory = paths.pending(name)
        let requestFile = directory.appendingPathComponent("request.json")
        guard FileManager.default.fileExists(atPath: requestFile.path) else { return nil }
        do {
            let request = try StoreJSON.decoder().decode(PendingRequest.self, from: Data(try POSIXFile.read(requestFile)))
            return (request, directory.appendingPathComponent("key.pem"))
        } catch let error as MailcertError { throw error }
        catch { throw MailcertError(.badInput, "\(requestFile.path) is not a valid pending request: \(error)") }
    }

    /// Runs `body` holding the store's lock. Writers inside one process (concurrent renewals) take turns; a writer
    /// in another process makes this fail at once with `.locked`.
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
        Self.processWriters.lock()
        defer { Self.processWriters.unlock() }
        let lock = try StateLock(paths: paths)
        defer { withExtendedLifetime(lock) {} }
        return try body(StoreWriter(store: self))
    }
}

/// The write side of the store; exists only while the lock is held.
public struct StoreWriter {
    let store: FileCertificateStore
    private var paths: StatePaths { store.paths }

    /// Stores a complete new version of `name` and switches `current` to it in one rename.
    public func addVersion(
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
            let files: [(VersionFile, [UInt8], mode_t)] = [
                (.key, Array(try key.pkcs8PEM().utf8), 0o600),
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
    public func saveNextKey(name: String, key: PrivateKey) throws {
        try makeCertificateDirectory(name)
        try POSIXFile.writeAtomically(Array(try key.pkcs8PEM().utf8), to: paths.nextKey(name), mode: 0o600)
    }

    /// Keeps the ACME options of `name` for renewals (`certs/<name>/renewal.json`).
    public func saveRenewalOptions<Options: Encodable>(name: String, options: Options) throws {
        try makeCertificateDirectory(name)
        try POSIXFile.writeAtomically(try StoreJSON.encode(options), to: paths.renewalOptions(name), mode: 0o644)
    }

    /// Makes `key` and the CSR the pending request of `name`, in one symlink switch (`pending -> .pending-<label>`).
    /// An earlier pending request is kept as `pending.replaced-<label>` when `keepPrevious` (its CSR may be at a CA),
    /// else removed.
    public func savePending(
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
    public func removePending(name: String) throws {
        guard let target = POSIXFile.readSymlink(paths.pending(name)) else { return }
        guard unlink(paths.pending(name).path) == 0 else { throw POSIXFile.failure("cannot remove", paths.pending(name)) }
        try POSIXFile.syncDirectory(paths.certificate(name))
        try? FileManager.default.removeItem(at: paths.certificate(name).appendingPathComponent(target))
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
