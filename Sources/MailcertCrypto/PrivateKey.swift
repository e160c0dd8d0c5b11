import CMailcertShims
import COpenSSL

/// A private key held by OpenSSL (`EVP_PKEY`), freed when the last reference goes.
///
/// A key is never mutated after creation, and OpenSSL allows concurrent read-only use of an `EVP_PKEY`, hence
/// `@unchecked Sendable`.
public final class PrivateKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// A fresh key from OpenSSL's default random generator.
    public static func generate(_ type: KeyType) throws -> PrivateKey {
        OpenSSLErrorQueue.clear()
        let key: OpaquePointer? =
            if let bits = type.rsaBits { mc_rsa_generate(bits) } else { mc_ec_generate(type.curveName!) }
        guard let key else { throw CryptoError.openSSL(.keyGeneration, "cannot generate a \(type.displayName) key") }
        return PrivateKey(taking: key)
    }

    /// Parses a PEM private key: PKCS#8 or the traditional RSA/EC forms, unencrypted.
    public convenience init(pem: [UInt8]) throws {
        OpenSSLErrorQueue.clear()
        let bio = try MemoryBIO(pem)
        // The callback refuses to supply a passphrase: an encrypted key fails here instead of prompting on a TTY.
        guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, { _, _, _, _ in -1 }, nil) else {
            throw CryptoError.openSSL(.malformedKey, "not an unencrypted PEM private key")
        }
        self.init(taking: key)
    }

    /// Adopts a key another OpenSSL object handed out, taking a reference of our own.
    convenience init(retaining pointer: OpaquePointer) {
        EVP_PKEY_up_ref(pointer)
        self.init(taking: pointer)
    }

    /// The key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), the form the store writes.
    public func pkcs8PEM() throws -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_PKCS8PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw CryptoError.openSSL(.encoding, "cannot encode the private key as PKCS#8")
        }
        return bio.string
    }

    /// The DER SubjectPublicKeyInfo of the public half: what certificates and CSRs carry, and what DANE hashes.
    public func publicKeyDER() throws -> [UInt8] {
        try Self.subjectPublicKeyInfo(of: pointer)
    }

    /// SHA-256 of the SubjectPublicKeyInfo, upper-case hex: how keys are named in messages.
    public func publicKeyFingerprint() throws -> String {
        Digest.sha256.thumbprint(try publicKeyDER())
    }

    /// The key's type, or nil for an algorithm or size mailcert does not generate (such keys can still be imported).
    public var keyType: KeyType? {
        let bits = EVP_PKEY_get_bits(pointer)
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA: return KeyType.allCases.first { $0.rsaBits == UInt32(bits) }
        case EVP_PKEY_EC:
            switch Self.curveName(of: pointer) {
            case "prime256v1", "P-256": return .ecdsaP256
            case "secp384r1", "P-384": return .ecdsaP384
            default: return nil
            }
        default: return nil
        }
    }

    /// True for any RSA key, of any size (imported keys included).
    public var isRSA: Bool { EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA }

    /// OpenSSL's group name of an EC key ("prime256v1", "brainpoolP256r1", ...).
    static func curveName(of key: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &buffer, buffer.count, &length) == 1 else { return nil }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// "ECDSA P-256", "RSA 2048", or OpenSSL's own name for other keys.
    public var displayName: String { Self.displayName(of: pointer) }

    static func subjectPublicKeyInfo(of key: OpaquePointer) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(key, &out)
        guard length > 0, let out else { throw CryptoError.openSSL(.encoding, "cannot encode a public key") }
        defer { mc_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    static func displayName(of key: OpaquePointer) -> String {
        let bits = EVP_PKEY_get_bits(key)
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return "RSA \(bits)"
        case EVP_PKEY_EC:
            switch curveName(of: key) {
            case "prime256v1": return "ECDSA P-256"
            case "secp384r1": return "ECDSA P-384"
            case let name?: return "ECDSA \(name)"
            case nil: return "ECDSA \(bits)-bit"
            }
        case EVP_PKEY_ED25519: return "Ed25519"
        default:
            guard let name = EVP_PKEY_get0_type_name(key) else { return "unknown key" }
            return String(cString: name)
        }
    }
}
