import Foundation

/// Where each bound service is proven (`{"smtp": "127.0.0.1:25"}`), as `enable` last proved it, so `renew` proves
/// the renewed certificate at the same place.
public struct ProofTargets: Codable, Equatable, Sendable {
    public var targets: [String: String]

    public init(targets: [String: String] = [:]) { self.targets = targets }

    /// Kept as the bare object, as the file has always been.
    public init(from decoder: Decoder) throws { targets = try [String: String](from: decoder) }
    public func encode(to encoder: Encoder) throws { try targets.encode(to: encoder) }
}
