import Foundation
import MailcertCrypto

/// Where the key of a new request comes from: a fresh one, or the key already in use (`--reuse-key`), so that
/// pinned keys (DANE `3 1 1` records) stay valid across a replacement.
///
/// "Fresh" means the pre-generated next key (`mailcert tlsa --next`) when there is one: its TLSA record is already
/// published. Asking for another key type then is refused, because the new key would match no published record.
public enum KeySelection: Sendable {
    /// A new key of this type (nil: the next key's type if there is one, else the default).
    case generate(KeyType?)
    case reuse

    /// The key to use for `name`. `reuse` takes the pending key if `preferPending` and one exists, else the key of
    /// the current version.
    func key(for name: String, store: any StoreReader, preferPending: Bool) throws -> PrivateKey {
        switch self {
        case .generate(let type):
            let currentKey = try? store.currentVersion(of: name)?.privateKey()
            if let next = try NextKey.unused(name: name, store: store, currentKey: currentKey) {
                guard let type, type != next.keyType else { return next }
                throw MailcertError(
                    .nextKeyConflict,
                    "certificate '\(name)' has a pre-published next key (\(next.displayName), "
                        + "\(store.location(of: .nextKey(name)))) but a \(type.displayName) key was asked for: it would "
                        + "match no published TLSA record; nothing was changed; ask for --key-type "
                        + "\(next.keyType?.rawValue ?? "of the next key"), or remove the next key file first")
            }
            do { return try PrivateKey.generate(type ?? .default) } catch let error as CryptoError {
                throw error.inContext("cannot generate a key for '\(name)'; nothing was changed")
            }
        case .reuse:
            if preferPending, let pending = try store.pending(of: name) {
                do { return try PrivateKey(pem: pending.keyPEM) } catch let error as CryptoError {
                    throw error.inContext("cannot reuse the pending key \(pending.location)", code: .badInput)
                }
            }
            guard let current = try store.currentVersion(of: name) else {
                throw MailcertError(
                    .notFound,
                    "--reuse-key: certificate '\(name)' has no key to reuse (no current version"
                        + (preferPending ? " and no pending request" : "") + " in \(store.location(of: .certificate(name)))); "
                        + "nothing was changed; drop --reuse-key to generate one")
            }
            return try current.privateKey()
        }
    }
}
