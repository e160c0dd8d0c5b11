import CMailcertShims
import COpenSSL

/// The JOSE view of a key (RFC 7517/7518): its public JWK, its RFC 7638 thumbprint, and JWS signatures, as an
/// ACME account key needs them.
extension PrivateKey {
    /// The JWS `alg` for this key: ES256 (P-256), ES384 (P-384) or RS256 (RSA).
    public var jwsAlgorithm: String {
        get throws {
            switch keyType {
            case .ecdsaP256: return "ES256"
            case .ecdsaP384: return "ES384"
            case .rsa2048, .rsa3072, .rsa4096: return "RS256"
            case nil: throw CryptoError(.unsupportedKey, "a \(displayName) key cannot sign ACME requests (use ECDSA P-256/P-384 or RSA)")
            }
        }
    }

    /// The public JWK members in the lexicographic order RFC 7638 prescribes for the thumbprint.
    public func publicJWK() throws -> [(String, String)] {
        switch keyType {
        case .ecdsaP256, .ecdsaP384:
            let size = keyType == .ecdsaP256 ? 32 : 48
            let point = try octetParameter("encoded-pub-key")
            guard point.count == 1 + 2 * size, point[0] == 0x04 else {
                throw CryptoError(.encoding, "unexpected EC public point encoding")
            }
            return [
                ("crv", keyType == .ecdsaP256 ? "P-256" : "P-384"), ("kty", "EC"),
                ("x", Base64URL.encode(Array(point[1...size]))), ("y", Base64URL.encode(Array(point[(size + 1)...]))),
            ]
        case .rsa2048, .rsa3072, .rsa4096:
            return [("e", Base64URL.encode(try bigNumberParameter("e"))), ("kty", "RSA"), ("n", Base64URL.encode(try bigNumberParameter("n")))]
        case nil:
            throw CryptoError(.unsupportedKey, "a \(displayName) key has no JWK form here")
        }
    }

    /// The JWK as compact JSON with members in thumbprint order.
    public func publicJWKJSON() throws -> String {
        "{" + (try publicJWK()).map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    /// RFC 7638 thumbprint: base64url(SHA-256(canonical JWK)); the account part of every key authorization.
    public func jwkThumbprint() throws -> String {
        Base64URL.encode(Digest.sha256.hash(Array(try publicJWKJSON().utf8)))
    }

    /// A JWS signature over `input`: raw r||s for ECDSA (RFC 7518 section 3.4), PKCS#1 v1.5 for RSA.
    public func jwsSignature(_ input: [UInt8]) throws -> [UInt8] {
        OpenSSLErrorQueue.clear()
        let digest = keyType == .ecdsaP384 ? EVP_sha384() : EVP_sha256()
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL(.signing, "cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, digest, nil, pointer) == 1 else {
            throw CryptoError.openSSL(.signing, "cannot start a \(displayName) signature")
        }
        var length = 0
        guard input.withUnsafeBufferPointer({ EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }) == 1 else {
            throw CryptoError.openSSL(.signing, "cannot size a \(displayName) signature")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard input.withUnsafeBufferPointer({ EVP_DigestSign(context, &signature, &length, $0.baseAddress, $0.count) }) == 1 else {
            throw CryptoError.openSSL(.signing, "cannot sign with the \(displayName) key")
        }
        signature.removeSubrange(length...)
        guard let type = keyType, !type.isRSA else { return signature }
        return try Self.rawECDSA(der: signature, size: type == .ecdsaP256 ? 32 : 48)
    }

    /// DER ECDSA-Sig-Value to the fixed-width r||s JOSE wants.
    private static func rawECDSA(der: [UInt8], size: Int) throws -> [UInt8] {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw CryptoError.openSSL(.signing, "OpenSSL returned an unreadable ECDSA signature") }
        defer { ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(parsed, &r, &s)
        var raw = [UInt8](repeating: 0, count: 2 * size)
        guard let r, let s, BN_bn2binpad(r, &raw, Int32(size)) == Int32(size),
            raw.withUnsafeMutableBufferPointer({ BN_bn2binpad(s, $0.baseAddress! + size, Int32(size)) }) == Int32(size)
        else { throw CryptoError.openSSL(.signing, "cannot encode an ECDSA signature") }
        return raw
    }

    private func octetParameter(_ name: String) throws -> [UInt8] {
        var length = 0
        guard EVP_PKEY_get_octet_string_param(pointer, name, nil, 0, &length) == 1 else {
            throw CryptoError.openSSL(.encoding, "cannot read the key's \(name)")
        }
        var bytes = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_get_octet_string_param(pointer, name, &bytes, length, &length) == 1 else {
            throw CryptoError.openSSL(.encoding, "cannot read the key's \(name)")
        }
        return Array(bytes.prefix(length))
    }

    private func bigNumberParameter(_ name: String) throws -> [UInt8] {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &number) == 1, let number else {
            throw CryptoError.openSSL(.encoding, "cannot read the key's \(name)")
        }
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
        _ = BN_bn2bin(number, &bytes)
        return bytes
    }
}

/// HMAC-SHA-256, for ACME External Account Binding (RFC 8555 section 7.3.4, alg HS256).
public enum HMACSHA256 {
    public static func mac(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        try HMAC(.sha256, key: key).mac(message)
    }
}
