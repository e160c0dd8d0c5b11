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
        if let connect { _ = try HostPort.parse(connect, defaultPort: 25) }
        if !hostname.isEmpty { _ = try Arguments.hostnames(hostname) }
        guard proveTimeout > 0 else { throw ValidationError("--prove-timeout must be more than 0 seconds") }
    }

    func run() throws {
        try Output.reportingErrors {
            let store = global.store()
            let services = try MailService.parseList(service)
            let name = try self.name ?? CertificateLookup.name(forThumbprint: thumbprint!, in: store)
            let now = Date()
            let check = try BindingCheck.run(
                name: name, hostnames: hostname, store: store, caBundle: caBundle.map { URL(fileURLWithPath: $0) }, now: now)
            try judge(check, name: name)
            let previous = try store.write { _ in
                try deployDaemons(services, name: name, store: store)
                let previous = try ServiceBinding.bind(services, to: name, paths: store.paths)
                if !noProve {
                    var targets = ProofTargets.load(store.paths)
                    for service in services { targets.targets[service.rawValue] = try target(for: service).description }
                    try targets.save(store.paths)
                }
                return previous
            }
            let leaf = try LocalCheckSubject.stored(name: name, store: store).leaf
            var report = EnableReport(name: name, sha256: leaf.sha256Thumbprint, checks: check.results)
            for service in services {
                let was = previous[service] ?? nil
                report.services.append(.init(service: service.rawValue, previous: was))
                if !json { Output.print("\(service.rawValue): bound to \(name)" + (was.map { $0 == name ? " (already)" : " (was \($0))" } ?? "")) }
            }
            if !noProve { report.proofs = try prove(services, leaf: leaf) }
            if json { try Output.printJSON(report) }
            if report.proofs.contains(where: { !$0.proven }) { throw ExitCode.failure }
        }
    }

    /// Prints what the check found; refuses (or, forced, warns) on a blocker.
    private func judge(_ check: BindingCheck, name: String) throws {
        for result in check.results where result.status != .ok && !json {
            Output.note("check \(result.check): \(result.status.rawValue.uppercased()): \(result.reason)")
        }
        guard !check.blockers.isEmpty else { return }
        let reasons = check.blockers.map { "\($0.check): \($0.reason)" }.joined(separator: "; ")
        if force {
            Output.warn("binding \(name) despite: \(reasons) (--force)")
            return
        }
        throw MailcertError(
            .badInput,
            "certificate '\(name)' cannot serve \(service.joined(separator: ",")): \(reasons); nothing was bound "
                + "(--force binds anyway)")
    }

    /// --connect, else 127.0.0.1 on the service's conventional port.
    private func target(for service: MailService) throws -> ProofTarget {
        let endpoint = service.conventionalEndpoint
        let (host, port) = try connect.map { try HostPort.parse($0, defaultPort: endpoint.port) } ?? ("127.0.0.1", endpoint.port)
        return ProofTarget(host: host, port: port)
    }

    private func prove(_ services: [MailService], leaf: Certificate) throws -> [EnableReport.Proof] {
        try services.map { service in
            let endpoint = service.conventionalEndpoint
            let (host, port) = try { let target = try target(for: service); return (target.host, target.port) }()
            let serverName = hostname.first ?? leaf.dnsNames.first(where: { !$0.hasPrefix("*") })
            let request = ProbeRequest(
                host: host, port: port, starttls: endpoint.starttls, serverName: serverName,
                ehloName: LocalHostName.value, timeout: .seconds(5))
            let outcome = ServedProof.wait(for: leaf.sha256Thumbprint, at: request, within: proveTimeout)
            switch outcome {
            case .proven(let attempts):
                if !json { Output.print("\(service.rawValue): proven: \(request.target) serves sha256 \(leaf.sha256Thumbprint.prefix(16))… (attempt \(attempts))") }
                return .init(service: service.rawValue, target: request.target, proven: true, detail: "attempt \(attempts)")
            case .failed(let lastSeen):
                Output.printError(
                    "\(service.rawValue) is bound to the certificate, but \(request.target) did not serve it within "
                        + "\(proveTimeout) s (last: \(lastSeen)); the binding is recorded: start 'mailcert serve' "
                        + "there, or check --connect")
                return .init(service: service.rawValue, target: request.target, proven: false, detail: lastSeen)
            }
        }
    }
}

/// What `enable --json` prints.
struct EnableReport: Encodable {
    struct Binding: Encodable {
        let service: String
        let previous: String?
    }

    struct Proof: Encodable {
        let service: String
        let target: String
        let proven: Bool
        let detail: String
    }

    let name: String
    let sha256: String
    let checks: [CheckResult]
    var services: [Binding] = []
    var proofs: [Proof] = []
}

/// A host and port, written as `mailcert check --connect` takes them.
struct ProofTarget: CustomStringConvertible {
    let host: String
    let port: Int
    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
