/// An authorization object (RFC 8555 section 7.1.4).
public struct Authorization: Codable, Equatable, Sendable {
    /// pending, valid, invalid, deactivated, expired, revoked.
    public var status: String
    public var identifier: Identifier
    /// Every challenge this client can read. A challenge of a type added later (`dns-persist-01`) whose object is
    /// shaped differently is skipped, not fatal: the authorization is still solved with the types mailcert knows.
    public var challenges: [Challenge]
    public var wildcard: Bool?

    enum CodingKeys: String, CodingKey { case status, identifier, challenges, wildcard }

    public init(status: String, identifier: Identifier, challenges: [Challenge], wildcard: Bool? = nil) {
        self.status = status
        self.identifier = identifier
        self.challenges = challenges
        self.wildcard = wildcard
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(String.self, forKey: .status)
        identifier = try container.decode(Identifier.self, forKey: .identifier)
        wildcard = try? container.decodeIfPresent(Bool.self, forKey: .wildcard)
        challenges = try container.decode([Readable].self, forKey: .challenges).compactMap(\.challenge)
    }

    /// One element of the list: the challenge when it decodes, else nothing (always consumes exactly one element).
    private struct Readable: Decodable {
        let challenge: Challenge?
        init(from decoder: Decoder) throws { challenge = try? Challenge(from: decoder) }
    }
}

/// A challenge object (RFC 8555 section 7.1.5, 8.3 http-01, 8.4 dns-01). `type` is kept as the CA's string:
/// types mailcert does not solve are listed (in errors) and otherwise left alone.
public struct Challenge: Codable, Equatable, Sendable {
    public var type: String
    public var url: String
    public var status: String
    public var token: String?
    public var error: Problem?
}
