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

/// The deploy settings of each daemon service (`{"postfix": {...}}`), as `enable` last used them.
public struct DeployRecords: Codable, Equatable, Sendable {
    public var services: [String: DeploySettings]

    public init(services: [String: DeploySettings] = [:]) { self.services = services }

    /// Kept as the bare object, as the file has always been.
    public init(from decoder: Decoder) throws { services = try [String: DeploySettings](from: decoder) }
    public func encode(to encoder: Encoder) throws { try services.encode(to: encoder) }
}
