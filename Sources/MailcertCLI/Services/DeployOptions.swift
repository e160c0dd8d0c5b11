import ArgumentParser
import Foundation
import MailcertCore

/// Where `enable --service postfix|dovecot|exim` deploys; recorded in STATE/deploy.json so `renew` deploys the
/// same way.
struct DeployOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Install the daemons' files below this directory instead of / (tests, packaging).", valueName: "dir"))
    var root = "/"

    @Option(
        name: .customLong("postfix-config-dir"),
        help: ArgumentHelp(
            "Postfix's configuration directory (postconf -c; default ROOT/etc/postfix).", valueName: "dir"))
    var postfixConfigDir: String?

    @Option(
        name: .customLong("dovecot-config-dir"),
        help: ArgumentHelp("Dovecot's configuration directory (default ROOT/etc/dovecot).", valueName: "dir"))
    var dovecotConfigDir: String?

    @Option(
        name: .customLong("exim-config-dir"),
        help: ArgumentHelp("Exim's configuration directory (default ROOT/etc/exim4).", valueName: "dir"))
    var eximConfigDir: String?

    @Option(
        name: .customLong("reload-hook"),
        help: ArgumentHelp("What reloads the daemon (default: the shipped hooks/reload-SERVICE).", valueName: "file"))
    var reloadHook: String?

    @Option(help: ArgumentHelp("The templates directory the snippets are rendered from.", valueName: "dir"))
    var templates: String?

    /// The settings for `service`: every path absolute, the reload hook and templates found now, not at renewal.
    func settings(for service: MailService) throws -> DeploySettings {
        let flags: [MailService: String] = [.postfix: postfixConfigDir, .dovecot: dovecotConfigDir, .exim: eximConfigDir]
            .compactMapValues { $0 }
        return try DeploySettings.resolve(
            service, root: root, configDirectory: flags[service], reloadHook: reloadHook, templates: templates,
            shipped: ShippedFiles.running)
    }
}
