import Foundation

/// What the renew service's sandbox must let a renewal write. The service runs with `ProtectSystem=strict` (the whole
/// file system read-only) and the store writable; a renewal that redeploys to Postfix, Dovecot or Exim also writes
/// each daemon's certificate directory and the configuration that names it. Those paths come from the store's deploy
/// records of the bound daemons, and go into a drop-in beside the unit
/// (`mailcert-renew.service.d/mailcert-paths.conf`), so the same mechanism serves a unit `timer install` rendered and
/// the one the Debian package ships.
public struct RenewalSandbox: Sendable {
    /// Where the units are installed (`/`, or a staging tree).
    public var root: URL
    public var renderer: TemplateRenderer
    /// The live system's systemctl, told to reload after a change; nil for a staging root.
    public var systemctl: Systemctl?

    public init(root: URL, renderer: TemplateRenderer, systemctl: Systemctl?) {
        self.root = root
        self.renderer = renderer
        self.systemctl = systemctl
    }

    /// The sandbox below `root` with the shipped templates; nil when they cannot be found (nothing to render with).
    public static func at(_ root: String, shipped: ShippedFiles, environment: [String: String]) -> RenewalSandbox? {
        guard let templates = try? shipped.templates(nil) else { return nil }
        let url = URL(fileURLWithPath: root, isDirectory: true)
        return RenewalSandbox(
            root: url, renderer: TemplateRenderer(directory: templates),
            systemctl: Systemctl.forRoot(url, environment: environment))
    }

    static let dropInPath = "etc/systemd/system/mailcert-renew.service.d/mailcert-paths.conf"
    static let unitPaths = ["etc/systemd/system/mailcert-renew.service", "usr/lib/systemd/system/mailcert-renew.service"]

    public var dropIn: URL { root.appendingPathComponent(Self.dropInPath) }

    /// Whether a renew service is installed below the root (rendered by `timer install`, or shipped by the package).
    public var unitInstalled: Bool {
        Self.unitPaths.contains { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
    }

    /// The paths a renewal writes for the daemons bound in `store`, sorted, each once.
    public static func writablePaths(in store: any StoreReader) throws -> [String] {
        let bound = Set(try store.bindings().services.keys)
        var paths = Set<String>()
        for (service, record) in try store.deployRecords().services where bound.contains(service) {
            guard let settings = record.settings, let daemon = MailService(rawValue: service) else { continue }
            let base = URL(fileURLWithPath: settings.root, isDirectory: true)
            paths.insert(base.appendingPathComponent("etc/mailcert/\(service)").standardizedFileURL.path)
            let config = URL(fileURLWithPath: settings.configDirectory, isDirectory: true)
            switch daemon {
            // postconf -e replaces main.cf through a temporary file beside it.
            case .postfix: paths.insert(config.path)
            case .dovecot: paths.insert(config.appendingPathComponent("conf.d").path)
            case .exim:
                paths.insert(config.appendingPathComponent("conf.d/main").path)
                // Debian's exim4-config: unsplit, localmacros (and its temporary file) sit in the directory itself;
                // either way update-exim4.conf writes its output in var/lib/exim4.
                let debian = EximDebianConfig(directory: config).usesSplitConfig
                if debian == false { paths.insert(config.path) }
                if debian != nil { paths.insert(base.appendingPathComponent("var/lib/exim4").standardizedFileURL.path) }
            case .smtp, .submission: break
            }
        }
        return paths.sorted()
    }

    /// Writes the drop-in for `store`'s bound daemons (removes it when there are none), when a renew service is
    /// installed below the root; returns a line saying what changed, or nil when nothing did.
    @discardableResult
    public func refresh(for store: any StoreReader) throws -> String? {
        guard unitInstalled else { return nil }
        let paths = try Self.writablePaths(in: store)
        let existing = try? POSIXFile.read(dropIn)
        if paths.isEmpty {
            guard existing != nil else { return nil }
            _ = try RenewalTimer.removeManaged([dropIn])
            try systemctl?.run(["daemon-reload"])
            return "removed \(dropIn.path): renewal deploys to no daemon"
        }
        let text = try renderer.render("systemd/mailcert-renew-paths.conf.mustache", ["paths": paths])
        guard existing != Array(text.utf8) else { return nil }
        try RenewalTimer.writeManaged([(dropIn, text)])
        try systemctl?.run(["daemon-reload"])
        return "\(dropIn.path) now lets renewal write \(paths.joined(separator: ", "))"
    }

    /// Deletes the drop-in (with the units, on `timer remove`).
    public func remove() throws -> [URL] { try RenewalTimer.removeManaged([dropIn]) }
}
