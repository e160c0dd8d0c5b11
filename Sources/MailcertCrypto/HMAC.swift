import COpenSSL

/// HMAC over OpenSSL's one-shot `HMAC()`: DNS TSIG (RFC 8945) signs with SHA-256 or SHA-512.
///
/// The one-shot call owns no context the caller must free; a failure drains the OpenSSL error queue into the error.
public struct HMAC: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256 = "SHA-256"
        case sha512 = "SHA-512"

        /// The digest's length, which is also the untruncated MAC's.
        public var length: Int { self == .sha256 ? 32 : 64 }
    }

    public let algorithm: Algorithm
    private let key: [UInt8]

    public init(_ algorithm: Algorithm, key: [UInt8]) {
        self.algorithm = algorithm
        self.key = key
    }

    public func mac(_ message: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let digest = algorithm == .sha256 ? EVP_sha256() : EVP_sha512()
        let result = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                COpenSSL.HMAC(
                    digest, keyBuffer.baseAddress, Int32(keyBuffer.count), messageBuffer.baseAddress,
                    messageBuffer.count, &output, &length)
            }
        }
        guard result != nil, Int(length) == algorithm.length else {
            throw CryptoError.openSSL(.signing, "cannot compute an HMAC-\(algorithm.rawValue)")
        }
        return Array(output.prefix(Int(length)))
    }

    /// True when `mac` is this message's MAC; compared in constant time, so timing tells an attacker nothing.
    public func verify(_ mac: [UInt8], of message: [UInt8]) throws -> Bool {
        let expected = try self.mac(message)
        guard mac.count == expected.count else { return false }
        return CRYPTO_memcmp(mac, expected, mac.count) == 0
    }
}
