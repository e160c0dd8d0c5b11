import Foundation

/// How one service was deployed by `enable`: what `renew` needs to deploy the next version the same way.
public struct DeploySettings: Codable, Equatable, Sendable {
    /// The directory everything is installed under (`/`, or a staging tree for tests and packagers).
    public var root: String
    /// The daemon's configuration directory (postfix: the `postconf -c` directory).
    public var configDirectory: String
    /// The templates directory the snippet was rendered from.
    public var templates: String
    /// The executable that reloads the daemon (the shipped `hooks/reload-SERVICE`, or `--reload-hook`).
    public var reloadHook: String

    public init(root: String, configDirectory: String, templates: String, reloadHook: String) {
        self.root = root
        self.configDirectory = configDirectory
        self.templates = templates
        self.reloadHook = reloadHook
    }
}

/// STATE/deploy.json: the deploy settings of each daemon service (`{"postfix": {...}}`), as `enable` last used them.
/// Written like proofs.json: atomically, with the store's lock held.
public struct DeployRecords: Codable, Equatable, Sendable {
    public var services: [String: DeploySettings]

    public init(services: [String: DeploySettings] = [:]) { self.services = services }

    static func file(_ paths: StatePaths) -> URL { paths.root.appendingPathComponent("deploy.json") }

    /// The recorded settings; none when the file does not exist. A damaged file is an error: guessing the settings
    /// would deploy to the wrong place.
    public static func load(_ paths: StatePaths) throws -> DeployRecords {
        let url = file(paths)
        guard FileManager.default.fileExists(atPath: url.path) else { return DeployRecords() }
        do {
            return DeployRecords(
                services: try JSONDecoder().decode([String: DeploySettings].self, from: Data(try POSIXFile.read(url))))
        } catch let error as MailcertError { throw error }
        catch { throw MailcertError(.badInput, "\(url.path) is not a JSON object of deploy settings: \(error)") }
    }

    /// Writes atomically; call with the store's lock held.
    public func save(_ paths: StatePaths) throws {
        try POSIXFile.writeAtomically(try StoreJSON.encode(services), to: Self.file(paths), mode: 0o644)
    }
}
