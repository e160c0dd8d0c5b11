import Foundation

/// The systemd unit that runs `mailcert serve`, rendered from `templates/systemd/mailcert-serve.service.mustache` and
/// installed under a root directory, with the same rules as the renewal timer (marker line, foreign files refused).
public enum ListenerUnit {
    static let file = (template: "systemd/mailcert-serve.service.mustache", path: "etc/systemd/system/mailcert-serve.service")

    public struct Settings: Sendable {
        public var binary: String
        public var stateDirectory: String
        /// The --config file the service passes on, if any.
        public var configFile: String?
        /// Paths the listener writes (the Maildir); everything else is read-only to it.
        public var writablePaths: [String]

        public init(binary: String, stateDirectory: String, configFile: String?, writablePaths: [String]) {
            self.binary = binary
            self.stateDirectory = stateDirectory
            self.configFile = configFile
            self.writablePaths = writablePaths
        }
    }

    public static func install(settings: Settings, renderer: TemplateRenderer, root: URL) throws -> URL {
        var values: [String: Any] = [
            "binary": settings.binary, "stateDirectory": settings.stateDirectory, "writablePaths": settings.writablePaths,
        ]
        if let config = settings.configFile { values["config"] = config }
        let destination = root.appendingPathComponent(file.path)
        try RenewalTimer.writeManaged([(destination, try renderer.render(file.template, values))])
        return destination
    }

    public static func remove(root: URL) throws -> [URL] {
        try RenewalTimer.removeManaged([root.appendingPathComponent(file.path)])
    }
}
