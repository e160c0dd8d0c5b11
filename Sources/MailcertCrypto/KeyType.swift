/// The key algorithms mailcert generates. The raw value is the spelling of `--key-type` and of the store's meta.json.
public enum KeyType: String, CaseIterable, Codable, Sendable {
    case ecdsaP256 = "ecdsa-p256"
    case ecdsaP384 = "ecdsa-p384"
    case rsa2048 = "rsa2048"
    case rsa3072 = "rsa3072"
    case rsa4096 = "rsa4096"

    /// ECDSA P-256: small, fast, accepted by every current MTA and by public CAs.
    public static let `default` = KeyType.ecdsaP256

    public var isRSA: Bool {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: true
        case .ecdsaP256, .ecdsaP384: false
        }
    }

    /// Modulus size for RSA keys.
    var rsaBits: UInt32? {
        switch self {
        case .rsa2048: 2048
        case .rsa3072: 3072
        case .rsa4096: 4096
        case .ecdsaP256, .ecdsaP384: nil
        }
    }

    /// OpenSSL's group name for ECDSA keys.
    var curveName: String? {
        switch self {
        case .ecdsaP256: "P-256"
        case .ecdsaP384: "P-384"
        case .rsa2048, .rsa3072, .rsa4096: nil
        }
    }

    /// How people read it: "ECDSA P-256", "RSA 2048".
    public var displayName: String {
        if let curveName { return "ECDSA \(curveName)" }
        return "RSA \(rsaBits!)"
    }
}
