import Foundation

/// Which certificate each service uses (`{"smtp": "mx1.example.com"}`), by certificate name, so a binding survives
/// renewals.
public struct Bindings: Codable, Equatable, Sendable {
    public var services: [String: String]

    public init(services: [String: String] = [:]) { self.services = services }

    /// The services bound to `name`, sorted.
    public func services(boundTo name: String) -> [String] {
        services.filter { $0.value == name }.map(\.key).sorted()
    }

    /// Kept as the bare object, as the file has always been.
    public init(from decoder: Decoder) throws { services = try [String: String](from: decoder) }
    public func encode(to encoder: Encoder) throws { try services.encode(to: encoder) }
}
