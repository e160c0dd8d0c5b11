import Foundation
import MailcertCrypto

/// `mailcert request --csr-out`: a key kept as the pending key of a name, and a CSR for a CA (a corporate CA,
/// Exchange-style offline request). `import` later pairs the CA's answer with the pending key.
public struct SigningRequest: Sendable {
    public var name: String
    public var hostnames: [String]
    public var key: KeySelection
    /// Replace an existing pending request; the old one is kept as `pending.replaced-<time>`.
    public var force: Bool

    public init(name: String, hostnames: [String], key: KeySelection, force: Bool) {
        self.name = name
        self.hostnames = hostnames
        self.key = key
        self.force = force
    }

    private func existingFingerprint(_ existing: PendingKey?) throws -> String? {
        guard let existing else { return nil }
        return try? existing.key().publicKeyFingerprint()
    }

    /// Stores the pending key and returns the CSR; the caller writes it where the user asked.
    public func run(store: any CertificateStore, csrFile: String?, now: Date) throws -> CertificateSigningRequest {
        try store.write { writer in
            let existing = try writer.pending(of: name)
            if let existing, case .generate = key {
                guard force else {
                    throw MailcertError(
                        .pendingExists,
                        "certificate '\(name)' already has a pending key (created \(DateText.day(existing.request.created)), "
                            + "\(existing.location)) waiting for 'mailcert import'; a new key would orphan the CSR "
                            + "already made for it. Nothing was changed; use --reuse-key for a new CSR with the same key, "
                            + "or --force to set the old request aside")
                }
            }
            let privateKey = try key.key(for: name, store: writer, preferPending: true)
            let csr: CertificateSigningRequest
            do { csr = try CertificateSigningRequest(key: privateKey, hostnames: hostnames) } catch let error as CryptoError {
                throw error.inContext("cannot make a CSR for '\(name)'; nothing was changed")
            }
            let request = PendingRequest(
                hostnames: hostnames, keyType: privateKey.keyType?.rawValue ?? privateKey.displayName, created: now,
                csrFile: csrFile)
            // A reused pending key lives on in the new request; a replaced one is kept aside, never deleted.
            let previousFingerprint = try existingFingerprint(existing)
            let replacesKey = try existing != nil && privateKey.publicKeyFingerprint() != previousFingerprint
            try writer.savePending(name: name, key: privateKey, csr: csr, request: request, keepPrevious: replacesKey, now: now)
            return csr
        }
    }

    /// Checks that `file`'s directory exists, stores the pending key, then writes the CSR to `file` (nil: the caller
    /// prints it). Returns the CSR and where its key waits. A failed write keeps the pending key and says how to get
    /// its CSR again.
    public func run(store: any CertificateStore, writingTo file: URL?, now: Date) throws
        -> (csr: CertificateSigningRequest, keyLocation: String)
    {
        if let file {
            var isDirectory: ObjCBool = false
            let parent = file.deletingLastPathComponent()
            guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw MailcertError(
                    .io, "cannot write the CSR to \(file.path): \(parent.path) is not a directory; nothing was changed")
            }
        }
        let csr = try run(store: store, csrFile: file?.path, now: now)
        let keyLocation = (try? store.pending(of: name))??.location ?? store.location(of: .pending(name))
        guard let file else { return (csr, keyLocation) }
        do { try POSIXFile.writeAtomically(Array(csr.pem.utf8), to: file, mode: 0o644) } catch let error as MailcertError {
            throw MailcertError(
                error.code,
                "\(error.message); the pending key of '\(name)' is kept (\(keyLocation)): run this command again with "
                    + "--reuse-key to write its CSR")
        }
        return (csr, keyLocation)
    }

    /// What `request --csr-out FILE` prints: where the CSR and its key are, and the next step.
    public static func written(name: String, hostnames: [String], file: URL, keyFile: String) -> String {
        """
        wrote CSR for \(hostnames.joined(separator: ", ")) to \(file.path)
        pending key of '\(name)': \(keyFile)
        next: send the CSR to your CA, then run 'mailcert import --name \(name) CERT'
        """
    }
}
