import ArgumentParser
import Foundation
import MailcertCheck
import MailcertCore
import MailcertCrypto

/// `mailcert enable`: bind a certificate to services, like Enable-ExchangeCertificate, then prove it is served.
struct EnableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Bind a certificate to smtp, submission, postfix, dovecot or exim; check it, then prove it is served.",
        discussion: """
            A binding names the certificate (its lineage), so it survives renewals. Before binding, the local \
            check runs against --hostname (or, without it, the certificate's own names): a certificate that does \
            not cover them, is expired or not yet valid, or whose key does not match is refused, naming what \
            failed (--force binds anyway, with a warning). An untrusted chain or a close expiry is only reported.

            smtp and submission are the bundled listener's STARTTLS and implicit-TLS ports: a running 'mailcert \
            serve' watches bindings.json and serves the certificate without a restart. Then mailcert connects \
            (--connect, default 127.0.0.1 on port 25 for smtp, 465 for submission), and checks that the served leaf \
            is the bound one, retrying for --prove-timeout seconds. Moving a service to another certificate is one \
            'enable'; 'disable --service S' unbinds.

            postfix, dovecot and exim are deployed before they are bound: the files rendered from the templates \
            (postfix: one key-first chain file ROOT/etc/mailcert/postfix/NAME.pem, 0600, set in main.cf with \
            postconf -e; dovecot: ROOT/etc/dovecot/conf.d/99-mailcert.conf with ssl_cert/ssl_key and the files, key \
            0600; exim: ROOT/etc/exim4/conf.d/main/00_mailcert macros, key 0640 to the Debian-exim group) are \
            switched atomically, then the daemon is reloaded through hooks/reload-SERVICE (or --reload-hook). When \
            the reload fails the previous files go back, the daemon is reloaded with them, and bindings.json is not \
            changed. \
            The settings are kept in STATE/deploy.json: 'renew' deploys every renewed certificate the same way. \
            The proof connects to 127.0.0.1:25 (postfix, exim) or :993 with implicit TLS (dovecot) unless --connect.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The certificate to bind.", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("Or the certificate whose SHA-256 or SHA-1 thumbprint this is (as 'list' shows).", valueName: "hex"))
    var thumbprint: String?

    @Option(
        help: ArgumentHelp(
            "Services to bind: smtp, submission, postfix, dovecot, exim (comma-separated or repeated).",
            valueName: "service"))
    var service: [String] = []

    @Option(help: ArgumentHelp("A hostname the service answers to; the certificate must cover it (repeatable).", valueName: "host"))
    var hostname: [String] = []

    @Option(name: .customLong("ca-bundle"), help: ArgumentHelp("Extra trusted roots for the chain check (PEM).", valueName: "file"))
    var caBundle: String?

    @Flag(help: "Bind even when the check refuses the certificate.")
    var force = false

    @Option(help: ArgumentHelp("Where to prove the service: HOST[:PORT]. Default 127.0.0.1 and the service's port.", valueName: "host:port"))
    var connect: String?

    @Option(name: .customLong("prove-timeout"), help: "Seconds to wait for the service to serve the certificate (default 10).")
    var proveTimeout: Double = 10

    @Flag(name: .customLong("no-prove"), help: "Bind without connecting to the service afterwards.")
    var noProve = false

    @Flag(help: "Print JSON for scripts.")
    var json = false

    /// Where postfix, dovecot and exim are deployed (--root, --postfix-config-dir, --reload-hook, ...).
    @OptionGroup var deploy: DeployOptions

    func validate() throws {
        guard (name == nil) != (thumbprint == nil) else { throw ValidationError("give either --name or --thumbprint") }
        if let name { _ = try Arguments.certificateName(name) }
        guard !service.isEmpty else {
            throw ValidationError("--service is required (smtp, submission, postfix, dovecot, exim)")
        }
        let services: [MailService]
        do { services = try MailService.parseList(service) } catch let error as MailcertError {
            throw ValidationError(error.message)
        }
        if deploy.reloadHook != nil && services.filter({ !$0.isBundledListener }).count != 1 {
            throw ValidationError("--reload-hook reloads one daemon: give one of postfix, dovecot, exim")
        }
        if connect != nil && services.count > 1 { throw ValidationError("--connect names one endpoint: give one --service") }
        if let connect { _ = try Arguments.endpoint(connect, defaultPort: 25) }
        if !hostname.isEmpty { _ = try Arguments.hostnames(hostname) }
        guard proveTimeout > 0 else { throw ValidationError("--prove-timeout must be more than 0 seconds") }
    }

    func run() throws {
        try Output.reportingErrors {
            var enable = Enable(
                certificate: name.map(Enable.Choice.name) ?? .thumbprint(thumbprint!),
                services: try MailService.parseList(service))
            enable.hostnames = hostname
            enable.caBundle = caBundle.map { URL(fileURLWithPath: $0) }
            (enable.force, enable.prove, enable.proofWindow) = (force, !noProve, proveTimeout)
            enable.connect = try connect.map { try Arguments.endpoint($0, defaultPort: 25).description }
            for service in enable.services where !service.isBundledListener {
                enable.deploySettings[service] = try deploy.settings(for: service)
            }
            enable.sandbox = .at(deploy.root, shipped: ShippedFiles.running, environment: ProcessInfo.processInfo.environment)
            let quiet = Reporter(note: { _ in }, warn: Reporter.stderr.warn)
            let report = try enable.run(store: global.store(), steps: .live, now: Date(), progress: json ? quiet : .stderr)
            if json { try Output.printJSON(report) }
            printText(report)
            if report.proofs.contains(where: { !$0.proven }) { throw ExitCode.failure }
        }
    }

    /// The bindings and proofs in words; with --json only the failed proofs (on standard error).
    private func printText(_ report: Enable.Report) {
        if !json { report.lines.forEach { Output.print($0) } }
        report.unprovenLines(window: proveTimeout).forEach { Output.printError($0) }
    }
}
