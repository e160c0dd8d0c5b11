/// The directory object (RFC 8555 section 7.1.1): the CA's resource URLs, and ARI's `renewalInfo` (RFC 9773).
///
/// Decoded tolerantly: fields a CA adds are ignored, and a `meta` this client cannot read costs only what it says,
/// never the directory (CAs extend both, and a strict client breaks the day they do).
public struct Directory: Codable, Equatable, Sendable {
    public var newNonce: String
    public var newAccount: String
    public var newOrder: String
    public var revokeCert: String?
    public var keyChange: String?
    public var renewalInfo: String?
    public var meta: Meta?

    enum CodingKeys: String, CodingKey { case newNonce, newAccount, newOrder, revokeCert, keyChange, renewalInfo, meta }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        newNonce = try container.decode(String.self, forKey: .newNonce)
        newAccount = try container.decode(String.self, forKey: .newAccount)
        newOrder = try container.decode(String.self, forKey: .newOrder)
        revokeCert = try? container.decodeIfPresent(String.self, forKey: .revokeCert)
        keyChange = try? container.decodeIfPresent(String.self, forKey: .keyChange)
        renewalInfo = try? container.decodeIfPresent(String.self, forKey: .renewalInfo)
        meta = try? container.decodeIfPresent(Meta.self, forKey: .meta)
    }

    public struct Meta: Codable, Equatable, Sendable {
        public var termsOfService: String?
        public var externalAccountRequired: Bool?
        /// draft-ietf-acme-profiles: the certificate profiles the CA offers, name to description. Every name is
        /// kept, known to mailcert or not: the CA decides what a profile means.
        public var profiles: [String: String]?

        enum CodingKeys: String, CodingKey { case termsOfService, externalAccountRequired, profiles }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            termsOfService = try? container.decodeIfPresent(String.self, forKey: .termsOfService)
            externalAccountRequired = try? container.decodeIfPresent(Bool.self, forKey: .externalAccountRequired)
            profiles = Self.profiles(in: container)
        }

        /// The profiles as a map of descriptions; a profile whose value is not a string (a CA describing it with an
        /// object) is still listed, with an empty description.
        private static func profiles(in container: KeyedDecodingContainer<CodingKeys>) -> [String: String]? {
            if let profiles = try? container.decodeIfPresent([String: String].self, forKey: .profiles) {
                return profiles
            }
            guard let any = try? container.nestedContainer(keyedBy: AnyKey.self, forKey: .profiles) else { return nil }
            return Dictionary(uniqueKeysWithValues: any.allKeys.map { key in
                (key.stringValue, (try? any.decode(String.self, forKey: key)) ?? "")
            })
        }
    }
}

/// Any JSON object key, for reading objects whose keys are not known in advance.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
