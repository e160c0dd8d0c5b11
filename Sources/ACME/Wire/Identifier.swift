/// An ACME identifier (RFC 8555 section 9.7.7); mailcert orders only `dns` identifiers.
public struct Identifier: Codable, Equatable, Hashable, Sendable {
    public var type: String
    public var value: String

    public init(type: String = "dns", value: String) {
        self.type = type
        self.value = value
    }

    public static func dns(_ value: String) -> Identifier { Identifier(type: "dns", value: value) }
}
