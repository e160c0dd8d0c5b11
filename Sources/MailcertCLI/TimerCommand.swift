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
        var systemctl: Systemctl? {
            cron ? nil : .forRoot(rootURL, environment: ProcessInfo.processInfo.environment)
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Render mailcert-renew.service and .timer (or the cron file) from the templates and install them.",
            discussion: """
                The service runs 'mailcert renew --state-dir DIR' as a oneshot with the file system read-only but \
                for the store (ProtectSystem=strict and other hardening); the timer fires every 6 hours with \
                RandomizedDelaySec=1h and Persistent=true, so a due certificate is renewed at worst about 7 hours \
                late (cron: 12 hours): a 160-hour certificate, due with 80 hours left, keeps over 70. With --root / \
                the units are enabled and started \
                (systemctl daemon-reload, enable --now). A file of the same name that mailcert did not write is \
                never overwritten. Templates come from --templates, else the share/mailcert/templates directory \
                next to the executable, /usr/share/mailcert/templates, or the source tree the executable was built in.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var placement: Placement

        @Option(help: ArgumentHelp("The templates directory.", valueName: "dir"))
        var templates: String?

        @Option(help: ArgumentHelp("The mailcert the units run; default: this one (for packagers).", valueName: "file"))
        var binary: String?

        func run() throws {
            try Output.reportingErrors {
                let settings = RenewalTimer.Settings(
                    binary: binary.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Executable.path,
                    stateDirectory: global.store().location(of: .store),
                    minute: Int.random(in: 0..<60), hour: Int.random(in: 0..<12))
                let renderer = TemplateRenderer(directory: try ShippedFiles.running.templates(templates))
                let written = try RenewalTimer.install(
                    placement.kind, settings: settings, renderer: renderer, root: placement.rootURL,
                    systemctl: placement.systemctl)
                for file in written { Output.print("installed \(file.path)") }
                let sandbox = RenewalSandbox(root: placement.rootURL, renderer: renderer, systemctl: placement.systemctl)
                if !placement.cron, let line = try sandbox.refresh(for: global.store()) { Output.print(line) }
                if placement.systemctl != nil { Output.print("enabled mailcert-renew.timer") }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop and remove the scheduled renewal that 'timer install' put in place.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var placement: Placement

        func run() throws {
            try Output.reportingErrors {
                let removed = try RenewalTimer.remove(placement.kind, root: placement.rootURL, systemctl: placement.systemctl)
                if removed.isEmpty { Output.note("nothing to remove below \(placement.rootURL.path)") }
                for file in removed { Output.print("removed \(file.path)") }
            }
        }
    }
}
