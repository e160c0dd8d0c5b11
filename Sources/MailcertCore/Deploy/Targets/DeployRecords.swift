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

/// What the store knows of each bound service (`{"postfix": {...}}`): how a daemon was deployed (as `enable` last
/// did it), and which version was last deployed to it and last proven served by it, so every renewal run can tell a
/// service that is behind `current` and bring it up to date.
public struct DeployRecords: Codable, Equatable, Sendable {
    public var services: [String: DeployRecord]

    public init(services: [String: DeployRecord] = [:]) { self.services = services }

    /// Kept as the bare object, as the file has always been.
    public init(from decoder: Decoder) throws { services = try [String: DeployRecord](from: decoder) }
    public func encode(to encoder: Encoder) throws { try services.encode(to: encoder) }
}

/// One service's record. The deploy settings sit at the top level of its object, as deploy.json always had them.
public struct DeployRecord: Codable, Equatable, Sendable {
    /// How to deploy it (postfix, dovecot, exim); nil for the bundled listener, which reads the store itself.
    public var settings: DeploySettings?
    /// The certificate the versions below are of.
    public var certificate: String?
    /// The version last put where the daemon reads it (and reloaded); the listener's: the version it was bound at.
    public var deployedVersion: Int?
    /// The version last proven served over the wire.
    public var provenVersion: Int?
    /// Why the last deploy or proof failed; nil once one succeeds.
    public var problem: String?

    public init(settings: DeploySettings? = nil) { self.settings = settings }

    private enum CodingKeys: String, CodingKey {
        case reloadHook, certificate, deployedVersion, provenVersion, problem
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        settings = container.contains(.reloadHook) ? try DeploySettings(from: decoder) : nil
        certificate = try container.decodeIfPresent(String.self, forKey: .certificate)
        deployedVersion = try container.decodeIfPresent(Int.self, forKey: .deployedVersion)
        provenVersion = try container.decodeIfPresent(Int.self, forKey: .provenVersion)
        problem = try container.decodeIfPresent(String.self, forKey: .problem)
    }

    public func encode(to encoder: Encoder) throws {
        try settings?.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(certificate, forKey: .certificate)
        try container.encodeIfPresent(deployedVersion, forKey: .deployedVersion)
        try container.encodeIfPresent(provenVersion, forKey: .provenVersion)
        try container.encodeIfPresent(problem, forKey: .problem)
    }
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
