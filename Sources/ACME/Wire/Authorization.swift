/// An authorization object (RFC 8555 section 7.1.4).
public struct Authorization: Codable, Equatable, Sendable {
    /// pending, valid, invalid, deactivated, expired, revoked.
    public var status: String
    public var identifier: Identifier
    public var challenges: [Challenge]
    public var wildcard: Bool?
}

/// A challenge object (RFC 8555 section 7.1.5, 8.3 http-01, 8.4 dns-01).
public struct Challenge: Codable, Equatable, Sendable {
    public var type: String
    public var url: String
    public var status: String
    public var token: String?
    public var error: Problem?
}
