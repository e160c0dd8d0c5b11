import Foundation

/// STATE/bindings.json: which certificate each service uses (`{"smtp": "mx1.example.com"}`).
public struct Bindings: Codable, Equatable, Sendable {
    public var services: [String: String]

    public init(services: [String: String] = [:]) { self.services = services }

    /// The bindings on disk; none when the file does not exist yet.
    public static func load(_ paths: StatePaths) throws -> Bindings {
        guard FileManager.default.fileExists(atPath: paths.bindings.path) else { return Bindings() }
        do {
            return Bindings(services: try JSONDecoder().decode([String: String].self, from: Data(try POSIXFile.read(paths.bindings))))
        } catch let error as MailcertError { throw error }
        catch { throw MailcertError(.badInput, "\(paths.bindings.path) is not a JSON object of service names: \(error)") }
    }

    /// The services bound to `name`, sorted.
    public func services(boundTo name: String) -> [String] {
        services.filter { $0.value == name }.map(\.key).sorted()
    }
}

extension Bindings {
    /// Writes bindings.json atomically (one rename: a running listener sees the old or the new set, never a mix).
    /// Call with the store's lock held.
    public func save(_ paths: StatePaths) throws {
        try POSIXFile.writeAtomically(try StoreJSON.encode(services), to: paths.bindings, mode: 0o644)
    }
}
