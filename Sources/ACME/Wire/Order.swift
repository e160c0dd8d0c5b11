/// An order object (RFC 8555 section 7.1.3). Fields a CA adds are ignored.
public struct Order: Codable, Equatable, Sendable {
    /// pending, ready, processing, valid, invalid.
    public var status: String
    public var expires: String?
    public var identifiers: [Identifier]
    public var authorizations: [String]
    public var finalize: String
    public var certificate: String?
    public var error: Problem?
    /// RFC 9773 section 5: the certificate this order replaces.
    public var replaces: String?
    /// draft-ietf-acme-profiles: the profile the order was placed with.
    public var profile: String?
}
