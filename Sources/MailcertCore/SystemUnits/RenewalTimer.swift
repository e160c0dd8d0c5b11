import Foundation

/// The scheduled `mailcert renew`: a systemd service and timer, or a cron file for hosts without systemd,
/// rendered from `templates/` and installed under a root directory (`/`, or a staging tree for packagers and tests).
public enum RenewalTimer {
    public enum Kind: Sendable {
        case systemd
        case cron
    }

    /// What the rendered files say.
    public struct Settings: Sendable {
        /// The absolute path of the mailcert executable to run.
        public var binary: String
        public var stateDirectory: String
        /// For cron: the minute and first hour (the second is 12 hours later), picked by the caller.
        public var minute: Int
        public var hour: Int

        public init(binary: String, stateDirectory: String, minute: Int, hour: Int) {
            self.binary = binary
            self.stateDirectory = stateDirectory
            self.minute = minute
            self.hour = hour
        }
    }

    /// The first line every installed file starts with; `remove` deletes only files that carry it.
    static let marker = "# Managed by mailcert"

    /// (template, path below the root) for each file of `kind`.
    public static func files(_ kind: Kind) -> [(template: String, path: String)] {
        switch kind {
        case .systemd:
            [
                ("systemd/mailcert-renew.service.mustache", "etc/systemd/system/mailcert-renew.service"),
                ("systemd/mailcert-renew.timer.mustache", "etc/systemd/system/mailcert-renew.timer"),
            ]
        case .cron: [("cron/mailcert-renew.mustache", "etc/cron.d/mailcert-renew")]
        }
    }

    /// Renders every file first, then writes each atomically (mode 0644); returns the paths written. A file of the
    /// same name that mailcert did not write is refused, not overwritten.
    /// With `systemctl` (the live system) the timer is then enabled and started.
    public static func install(
        _ kind: Kind, settings: Settings, renderer: TemplateRenderer, root: URL, systemctl: Systemctl? = nil
    ) throws -> [URL] {
        let values: [String: Any] = [
            "binary": settings.binary, "stateDirectory": settings.stateDirectory,
            "minute": settings.minute, "hour": settings.hour,
            "secondHour": (settings.hour + 12) % 24,
        ]
        let rendered = try files(kind).map { file in
            (root.appendingPathComponent(file.path), try renderer.render(file.template, values))
        }
        try writeManaged(rendered)
        if let systemctl, kind == .systemd {
            try systemctl.run(["daemon-reload"])
            try systemctl.run(["enable", "--now", "mailcert-renew.timer"])
        }
        return rendered.map(\.0)
    }

    /// Writes rendered files atomically (mode 0644) after checking that none of them is someone else's.
    static func writeManaged(_ rendered: [(URL, String)]) throws {
        for (destination, _) in rendered { try refuseForeign(destination) }
        for (destination, text) in rendered {
            let directory = destination.deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(
                    at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw MailcertError(.io, "cannot create \(directory.path): \(error); nothing more was installed")
            }
            try POSIXFile.writeAtomically(Array(text.utf8), to: destination, mode: 0o644)
        }
    }

    /// Deletes the installed files of `kind`; returns the paths removed (none when nothing was installed).
    /// With `systemctl` (the live system) the timer is stopped and disabled first, and systemd reloaded after.
    public static func remove(_ kind: Kind, root: URL, systemctl: Systemctl? = nil) throws -> [URL] {
        if kind == .systemd { try? systemctl?.run(["disable", "--now", "mailcert-renew.timer"]) }
        // The sandbox drop-in goes with the service it extends.
        let dropIn = kind == .systemd ? [root.appendingPathComponent(RenewalSandbox.dropInPath)] : []
        let removed = try removeManaged(files(kind).map { root.appendingPathComponent($0.path) } + dropIn)
        if kind == .systemd, !removed.isEmpty { try systemctl?.run(["daemon-reload"]) }
        return removed
    }

    /// Deletes those of `files` that exist, once each is known to be mailcert's.
    static func removeManaged(_ files: [URL]) throws -> [URL] {
        let existing = files.filter { FileManager.default.fileExists(atPath: $0.path) }
        for file in existing { try refuseForeign(file) }
        for file in existing where unlink(file.path) != 0 {
            let reason = String(cString: strerror(errno))
            throw MailcertError(.io, "cannot remove \(file.path): \(reason)")
        }
        return existing
    }

    static func refuseForeign(_ file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        let head = String(decoding: (try POSIXFile.read(file)).prefix(200), as: UTF8.self)
        guard head.hasPrefix(marker) else {
            throw MailcertError(
                .outputExists,
                "\(file.path) exists and was not written by mailcert (no '\(marker)' line); it was left as it is and "
                    + "nothing was changed; move it away to let mailcert manage it")
        }
    }
}
