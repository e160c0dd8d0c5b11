import ArgumentParser
import Foundation
import MailcertCore
import MailcertSystem

/// `mailcert timer install|remove`: the scheduled renewal.
struct TimerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timer",
        abstract: "Install or remove the scheduled renewal (systemd timer, or a cron file).",
        subcommands: [Install.self, Remove.self]
    )

    /// Options both subcommands take.
    struct Placement: ParsableArguments {
        @Option(help: ArgumentHelp("Install below this directory instead of / (for packaging).", valueName: "dir"))
        var root = "/"

        @Flag(help: "A cron file (/etc/cron.d/mailcert-renew) instead of systemd units.")
        var cron = false

        var kind: RenewalTimer.Kind { cron ? .cron : .systemd }
        var rootURL: URL { URL(fileURLWithPath: root, isDirectory: true) }
        /// systemctl is run only for the live system, never for a staging root.
        var isLiveSystem: Bool { rootURL.standardizedFileURL.path == "/" && !cron }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Render mailcert-renew.service and .timer (or the cron file) from the templates and install them.",
            discussion: """
                The service runs 'mailcert renew --state-dir DIR' as a oneshot with the file system read-only but \
                for the store (ProtectSystem=strict and other hardening); the timer fires twice a day with \
                RandomizedDelaySec=12h and Persistent=true. With --root / the units are enabled and started \
                (systemctl daemon-reload, enable --now). A file of the same name that mailcert did not write is \
                never overwritten. Templates come from --templates, else the share/mailcert/templates directory \
                next to the executable, /usr/share/mailcert/templates, or the source tree the executable was built in.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var placement: Placement

        @Option(help: ArgumentHelp("The templates directory.", valueName: "dir"))
        var templates: String?

        func run() throws {
            try Output.reportingErrors {
                let renderer = TemplateRenderer(directory: try TemplateDirectory.locate(templates))
                let settings = RenewalTimer.Settings(
                    binary: Executable.path, stateDirectory: global.store().location(of: .store),
                    minute: Int.random(in: 0..<60), hour: Int.random(in: 0..<12))
                let written = try RenewalTimer.install(
                    placement.kind, settings: settings, renderer: renderer, root: placement.rootURL)
                for file in written { Output.print("installed \(file.path)") }
                if placement.isLiveSystem {
                    try Systemctl.run(["daemon-reload"])
                    try Systemctl.run(["enable", "--now", "mailcert-renew.timer"])
                    Output.print("enabled mailcert-renew.timer")
                }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and remove the scheduled renewal that 'timer install' put in place.")

        @OptionGroup var placement: Placement

        func run() throws {
            try Output.reportingErrors {
                if placement.isLiveSystem { try? Systemctl.run(["disable", "--now", "mailcert-renew.timer"]) }
                let removed = try RenewalTimer.remove(placement.kind, root: placement.rootURL)
                if removed.isEmpty { Output.note("nothing to remove below \(placement.rootURL.path)") }
                for file in removed { Output.print("removed \(file.path)") }
                if placement.isLiveSystem, !removed.isEmpty { try Systemctl.run(["daemon-reload"]) }
            }
        }
    }
}

/// Where the templates are: the flag, else beside the executable, else the system's share directory, else the
/// source tree the executable was built in (a development checkout).
enum TemplateDirectory {
    static func locate(_ flag: String?) throws -> URL {
        let marker = "systemd/mailcert-renew.timer.mustache"
        if let flag {
            let directory = URL(fileURLWithPath: flag, isDirectory: true)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(marker).path) else {
                throw MailcertError(
                    .notFound, "--templates \(directory.path) holds no \(marker); nothing was installed")
            }
            return directory
        }
        let executableDirectory = URL(fileURLWithPath: Executable.path).deletingLastPathComponent()
        var candidates = [
            executableDirectory.appendingPathComponent("../share/mailcert/templates").standardizedFileURL,
            URL(fileURLWithPath: "/usr/share/mailcert/templates"),
        ]
        var directory = executableDirectory
        while directory.path != "/" {
            candidates.append(directory.appendingPathComponent("templates"))
            directory = directory.deletingLastPathComponent()
        }
        if let found = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent(marker).path)
        }) {
            return found
        }
        throw MailcertError(
            .notFound,
            "cannot find the templates directory (looked for \(marker) in \(candidates.prefix(2).map(\.path).joined(separator: ", ")) "
                + "and above \(executableDirectory.path)); nothing was installed; give --templates DIR")
    }
}

/// The running executable's absolute path, for the units to call.
enum Executable {
    static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// systemctl on the live system, started as hooks are (MailcertSystem's `ProcessRunner`), with our environment.
enum Systemctl {
    /// Ample for `enable --now`; a systemctl stuck on an unresponsive systemd must not hang `timer install`.
    static let timeout: Duration = .seconds(300)

    static func run(_ arguments: [String]) throws {
        let result = ProcessRunner(timeout: timeout).run(
            "/usr/bin/env", arguments: ["systemctl"] + arguments, environment: ProcessInfo.processInfo.environment)
        // What systemctl says ("Created symlink ...", its errors) still reaches the terminal.
        FileHandle.standardError.write(Data(result.output))
        let how: String
        switch result.termination {
        case .exited(0): return
        case .exited(let status): how = "exit \(status)"
        case .signaled(let signal): how = "killed by signal \(signal)"
        case .timedOut: how = "no end within \(timeout)"
        case .notStarted(let reason), .unknown(let reason): how = reason
        }
        throw MailcertError(
            .io,
            "systemctl \(arguments.joined(separator: " ")) failed (\(how)); the unit "
                + "files are installed; run it by hand once systemd is running")
    }
}
