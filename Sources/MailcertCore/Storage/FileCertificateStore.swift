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

    /// Runs `body` holding the store's lock.
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
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
        try POSIXFile.makeDirectory(paths.certs, mode: 0o700)
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
        } catch let error as CryptoError {
            try? FileManager.default.removeItem(at: staging)
            throw error.inContext("cannot store a new version of '\(name)'; nothing was changed")
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        try POSIXFile.replaceSymlink(paths.current(name), target: "versions/\(number)")
        return try store.version(number, of: name)
    }

    /// Keeps `key` and the CSR as the pending request of `name`, replacing any earlier one.
    public func savePending(name: String, key: PrivateKey, csr: CertificateSigningRequest, request: PendingRequest) throws {
        let certificateDirectory = paths.certificate(name)
        try POSIXFile.makeDirectory(paths.certs, mode: 0o700)
        try POSIXFile.makeDirectory(certificateDirectory, mode: 0o700)
        let staging = certificateDirectory.appendingPathComponent(".pending.tmp-\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: staging)
        guard mkdir(staging.path, 0o700) == 0 else { throw POSIXFile.failure("cannot create", staging) }
        do {
            try POSIXFile.writeAtomically(Array(try key.pkcs8PEM().utf8), to: staging.appendingPathComponent("key.pem"), mode: 0o600)
            try POSIXFile.writeAtomically(Array(csr.pem.utf8), to: staging.appendingPathComponent("csr.pem"), mode: 0o644)
            try POSIXFile.writeAtomically(try StoreJSON.encode(request), to: staging.appendingPathComponent("request.json"), mode: 0o644)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            if let error = error as? CryptoError { throw error.inContext("cannot store the pending key of '\(name)'") }
            throw error
        }
        // A directory cannot be renamed over a non-empty one: retire the old pending set first, under the lock.
        let pending = paths.pending(name)
        let retired = certificateDirectory.appendingPathComponent(".pending.old-\(getpid())", isDirectory: true)
        if FileManager.default.fileExists(atPath: pending.path) {
            guard rename(pending.path, retired.path) == 0 else { throw POSIXFile.failure("cannot retire", pending) }
        }
        guard rename(staging.path, pending.path) == 0 else { throw POSIXFile.failure("cannot rename into place", pending) }
        try POSIXFile.syncDirectory(certificateDirectory)
        try? FileManager.default.removeItem(at: retired)
    }

    /// Moves the pending request aside as `pending.<label>` (kept, not deleted), after its key went into a version
    /// or the user replaced it.
    public func retirePending(name: String, label: String) throws {
        let pending = paths.pending(name)
        guard FileManager.default.fileExists(atPath: pending.path) else { return }
        let kept = paths.certificate(name).appendingPathComponent("pending.\(label)", isDirectory: true)
        try? FileManager.default.removeItem(at: kept)
        guard rename(pending.path, kept.path) == 0 else { throw POSIXFile.failure("cannot retire", pending) }
        try POSIXFile.syncDirectory(paths.certificate(name))
    }

    /// Deletes the pending request once its key lives in a version: no second copy of a key stays behind.
    public func removePending(name: String) throws {
        let pending = paths.pending(name)
        guard FileManager.default.fileExists(atPath: pending.path) else { return }
        let doomed = paths.certificate(name).appendingPathComponent(".pending.done-\(getpid())", isDirectory: true)
        guard rename(pending.path, doomed.path) == 0 else { throw POSIXFile.failure("cannot remove", pending) }
        try POSIXFile.syncDirectory(paths.certificate(name))
        try? FileManager.default.removeItem(at: doomed)
    }

    /// Removes staging directories a crashed writer left behind; safe because we hold the lock.
    private func removeAbandonedTemporaries(in versions: URL) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: versions.path)) ?? []
        for entry in entries where entry.hasPrefix(".tmp-") {
            try? FileManager.default.removeItem(at: versions.appendingPathComponent(entry))
        }
    }
}
