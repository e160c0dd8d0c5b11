import Foundation

/// meta.json of one version: how the version came to be, and the facts `list` shows without parsing PEM.
public struct VersionMetadata: Codable, Equatable, Sendable {
    /// Where a version's certificate came from.
    public enum Source: String, Codable, Sendable {
        case selfSigned = "self-signed"
        case imported = "import"
        case pkcs12 = "pkcs12"
        case acme = "acme"
    }

    public var version: Int
    public var created: Date
    public var source: Source
    public var hostnames: [String]
    /// `--key-type` spelling, or OpenSSL's description for imported keys of other types.
    public var keyType: String
    public var sha256: String
    public var notAfter: Date

    public init(version: Int, created: Date, source: Source, hostnames: [String], keyType: String, sha256: String, notAfter: Date) {
        self.version = version
        self.created = created
        self.source = source
        self.hostnames = hostnames
        self.keyType = keyType
        self.sha256 = sha256
        self.notAfter = notAfter
    }
}

/// request.json of a pending CSR: what was asked for, so `import` and `list` can say it.
public struct PendingRequest: Codable, Equatable, Sendable {
    public var hostnames: [String]
    public var keyType: String
    public var created: Date
    /// Where the CSR was written for the CA (informational).
    public var csrFile: String?

    public init(hostnames: [String], keyType: String, created: Date, csrFile: String?) {
        self.hostnames = hostnames
        self.keyType = keyType
        self.created = created
        self.csrFile = csrFile
    }
}

/// The JSON coding of every file mailcert writes: ISO 8601 dates, sorted keys, so files diff cleanly.
public enum StoreJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder().encode(value)) + [0x0A]
    }
}
