import COpenSSL

/// Message digests used for thumbprints and key identifiers.
public enum Digest: Sendable {
    case sha1
    case sha256
    /// For DANE TLSA matching type 2.
    case sha512

    /// The digest of `bytes`.
    public func hash(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let md: OpaquePointer? =
            switch self {
            case .sha1: EVP_sha1()
            case .sha256: EVP_sha256()
            case .sha512: EVP_sha512()
            }
        let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &output, &length, md, nil) }
        precondition(ok == 1, "EVP_Digest cannot fail for SHA-1/SHA-2 on a running OpenSSL")
        return Array(output.prefix(Int(length)))
    }

    /// Upper-case hex without separators, the thumbprint form Windows and Exchange show.
    public func thumbprint(_ bytes: [UInt8]) -> String { Hex.encode(hash(bytes)) }
}

/// Hex encoding for thumbprints and serial numbers.
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        var result = ""
        result.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        return result
    }
}
