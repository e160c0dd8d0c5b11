/// The directory object (RFC 8555 section 7.1.1): the CA's resource URLs, and ARI's `renewalInfo` (RFC 9773).
public struct Directory: Codable, Equatable, Sendable {
    public var newNonce: String
    public var newAccount: String
    public var newOrder: String
    public var revokeCert: String?
    public var keyChange: String?
    public var renewalInfo: String?
    public var meta: Meta?

    public struct Meta: Codable, Equatable, Sendable {
        public var termsOfService: String?
        public var externalAccountRequired: Bool?
    }
}
