import Foundation

/// STATE/proofs.json: where each bound service is proven (`{"smtp": "127.0.0.1:25"}`), as `enable` last proved it,
/// so `renew` can prove the renewed certificate at the same place.
public struct ProofTargets: Codable, Equatable, Sendable {
    public var targets: [String: String]

    public init(targets: [String: String] = [:]) { self.targets = targets }

    static func file(_ paths: StatePaths) -> URL { paths.root.appendingPathComponent("proofs.json") }

    /// The recorded targets; none when the file does not exist (or cannot be read: proofs are advisory).
    public static func load(_ paths: StatePaths) -> ProofTargets {
        guard let bytes = try? POSIXFile.read(file(paths)),
            let targets = try? JSONDecoder().decode([String: String].self, from: Data(bytes))
        else { return ProofTargets() }
        return ProofTargets(targets: targets)
    }

    /// Writes atomically; call with the store's lock held.
    public func save(_ paths: StatePaths) throws {
        try POSIXFile.writeAtomically(try StoreJSON.encode(targets), to: Self.file(paths), mode: 0o644)
    }
}
