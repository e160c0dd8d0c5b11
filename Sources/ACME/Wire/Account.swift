/// An account object (RFC 8555 section 7.1.2); its URL (the `kid`) comes from the Location header.
public struct Account: Codable, Equatable, Sendable {
    public var status: String
    public var contact: [String]?
    public var orders: String?
}
