import Foundation
import MailcertCrypto

/// The pre-generated next key of a certificate (`certs/<name>/next-key.pem`), for DANE key rollover: its `3 1 1`
/// record is published beside the current one, some TTLs before the key goes into service, so no sender ever sees
/// a served key without a matching TLSA record. The next request or renewal of the same key type uses it.
public enum NextKey {
    /// The next key of `name`, created (once) when there is none, of the type renewals will ask for: the one kept
    /// in `renewal.json`, else the current key's. A next key equal to the current key is a leftover of a crash
    /// after it went into service, and is replaced.
    public static func ensure(name: String, store: FileCertificateStore) throws -> (key: PrivateKey, created: Bool) {
        try store.write { writer in
            guard let current = try store.currentVersion(of: name) else {
                throw MailcertError(
                    .notFound,
                    "certificate '\(name)' has no version in \(store.paths.certificate(name).path), so there is no "
                        + "key to follow; nothing was created; make one with 'mailcert request'")
            }
            let currentKey = try current.privateKey()
            if let existing = try unused(name: name, store: store, currentKey: currentKey) { return (existing, false) }
            let chosen = (try? ACMERenewal.options(of: name, store: store))?.keyType.flatMap(KeyType.init(rawValue:))
            let type = chosen ?? currentKey.keyType ?? .default
            let key: PrivateKey
            do { key = try PrivateKey.generate(type) } catch let error as CryptoError {
                throw error.inContext("cannot generate the next key of '\(name)'; nothing was created")
            }
            try writer.saveNextKey(name: name, key: key)
            return (key, true)
        }
    }

    /// The next key of `name` if there is one not yet in service.
    static func unused(name: String, store: FileCertificateStore, currentKey: PrivateKey?) throws -> PrivateKey? {
        let file = store.paths.nextKey(name)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let key: PrivateKey
        do { key = try PrivateKey(pem: try POSIXFile.read(file)) } catch let error as CryptoError {
            throw error.inContext(
                "the next key of '\(name)' (\(file.path)) is unreadable; nothing was changed; remove it to make a new one",
                code: .badInput)
        }
        if let currentKey, try key.publicKeyDER() == currentKey.publicKeyDER() { return nil }
        return key
    }
}
