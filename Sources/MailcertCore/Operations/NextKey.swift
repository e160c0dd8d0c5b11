import Foundation
import MailcertCrypto

/// The pre-generated next key of a certificate (`certs/<name>/next-key.pem`), for DANE key rollover: its `3 1 1`
/// record is published beside the current one, some TTLs before the key goes into service, so no sender ever sees
/// a served key without a matching TLSA record. The next request or renewal of the same key type uses it.
public enum NextKey {
    /// The next key of `name`, created (once) when there is none, of the type renewals will ask for: the one kept
    /// in `renewal.json`, else the current key's. A next key equal to the current key is a leftover of a crash
    /// after it went into service, and is replaced.
    public static func ensure(name: String, store: any CertificateStore) throws -> (key: PrivateKey, created: Bool) {
        try store.write { writer in
            guard let current = try writer.currentVersion(of: name) else {
                throw MailcertError(
                    .notFound,
                    "certificate '\(name)' has no version in \(writer.location(of: .certificate(name))), so there is no "
                        + "key to follow; nothing was created; make one with 'mailcert request'")
            }
            let currentKey = try current.privateKey()
            if let existing = try unused(name: name, store: writer, currentKey: currentKey) { return (existing, false) }
            let chosen = (try? writer.renewalOptions(of: name))??.keyType.flatMap(KeyType.init(rawValue:))
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
    static func unused(name: String, store: any StoreReader, currentKey: PrivateKey?) throws -> PrivateKey? {
        guard let key = try store.nextKey(of: name) else { return nil }
        if let currentKey, try key.publicKeyDER() == currentKey.publicKeyDER() { return nil }
        return key
    }
}
