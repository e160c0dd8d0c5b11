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

extension DeploySettings {
    /// The settings for deploying `service` below `root`: its configuration directory (given, else the
    /// conventional one below the root), the reload hook (given, else the shipped `reload-SERVICE`) and the templates
    /// (given, else the shipped ones), every path made absolute now, so a renewal deploys the same way.
    public static func resolve(
        _ service: MailService, root: String, configDirectory: String?, reloadHook: String?, templates: String?,
        shipped: ShippedFiles
    ) throws -> DeploySettings {
        let rootURL = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL
        let conventional =
            switch service {
            case .postfix: "etc/postfix"
            case .dovecot: "etc/dovecot"
            default: "etc/exim4"
            }
        let config = configDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? rootURL.appendingPathComponent(conventional, isDirectory: true)
        let hook = try reloadHook.map { try ShippedFiles.explicitHook($0) } ?? shipped.hook("reload-\(service.rawValue)")
        return DeploySettings(
            root: rootURL.path, configDirectory: config.standardizedFileURL.path,
            templates: try shipped.templates(templates).standardizedFileURL.path, reloadHook: hook)
    }
}
