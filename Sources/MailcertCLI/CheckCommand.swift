import ArgumentParser
import Foundation
import MailcertCheck
import MailcertCore
import MailcertCrypto
import MailcertDNS
import MailcertSystem

/// `mailcert check`: judge a certificate before senders do, locally or as a server really serves it.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a certificate: locally, on a server over STARTTLS, or on every MX of a domain.",
        discussion: """
            Give exactly one of --name (a stored certificate), --cert (files), --connect (a server) or --domain \
            (every MX host of a domain, on --port). Each check is reported by name: chain (a path to a trusted \
            root: the system's roots plus --ca-bundle), key (the key matches; local only), validity (dates, days \
            left against --warn-days/--crit-days), names (every --hostname covered by a subjectAltName dNSName, \
            RFC 9525: no common-name fallback, a wildcard only as the whole left-most label), serverAuth \
            (extendedKeyUsage), clientAuth (whether it can also be a TLS client certificate; always OK), strength \
            (RSA under 2048 bits, SHA-1 signatures), dane (--tlsa records, or the \
            TLSA records DNS has for an MX host, with RFC 7672 semantics: DANE-EE(3) ignores names and dates, \
            DANE-TA(2) checks them), and for servers starttls (offered and accepted; bytes sent before the \
            handshake are discarded and reported) and protocol (TLS version and cipher).

            --connect speaks SMTP on every port but 465 (implicit TLS), 993 and 995 (implicit TLS), 143 (IMAP) and \
            110 (POP3), unless --starttls says otherwise. The hostname compared defaults to the connect host; SNI \
            defaults to the hostname. --domain looks up MX records (through --resolver, default the first \
            nameserver of /etc/resolv.conf) and checks every address of every MX host against the MX host name.

            Exit status, as monitoring plugins: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (not reachable, timed out, \
            not a mail server, or the check itself could not run: a missing file, an unknown name, a usage error). \
            Several results combine to the worst: CRITICAL, then UNKNOWN, then WARNING. The first line is what \
            Nagios and Icinga read, STATUS: summary | days_left=N;W:;C: (for --domain the minimum, then \
            days_left_HOST_ADDRESS for each address); details follow. --json prints every check with its status \
            and reason.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("A certificate in the store (its version in service).", valueName: "name"))
    var name: String?

    @Option(
        help: ArgumentHelp(
            "A certificate file (PEM or DER; extra certificates in it are its chain).", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("The private key of --cert, to check that it matches.", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("Intermediate certificates of --cert.", valueName: "file"))
    var chain: String?

    @Option(
        help: ArgumentHelp("A server to connect to, HOST[:PORT] (port 25 by default; [v6]:PORT).", valueName: "host"))
    var connect: String?

    @Option(help: ArgumentHelp("Check every MX host of this domain.", valueName: "domain"))
    var domain: String?

    @Option(
        help: ArgumentHelp(
            "How to start TLS with --connect: smtp, imap, pop3, or none (implicit TLS).", valueName: "protocol"))
    var starttls: StartTLSProtocol?

    @Option(
        name: .customLong("hostname"),
        help: ArgumentHelp("A name the certificate must cover (repeatable).", valueName: "host"))
    var hostnames: [String] = []

    @Option(
        help: ArgumentHelp("The SNI name to send with --connect (default: the first --hostname).", valueName: "name"))
    var servername: String?

    @Option(
        name: .customLong("tlsa"),
        help: ArgumentHelp("A TLSA record to match, \"3 1 1 HEX\" (repeatable).", valueName: "record"))
    var tlsaRecords: [String] = []

    @Option(help: ArgumentHelp("More trusted roots (PEM), besides the system's.", valueName: "file"))
    var caBundle: String?

    @Option(help: ArgumentHelp("WARNING when fewer days are left.", valueName: "days"))
    var warnDays = CheckPolicy.defaultWarningDays

    @Option(help: ArgumentHelp("CRITICAL when fewer days are left.", valueName: "days"))
    var critDays = CheckPolicy.defaultCriticalDays

    @Option(
        help: ArgumentHelp("Seconds each step may take: connect, every reply, the handshake.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(help: ArgumentHelp("The SMTP port of the MX hosts with --domain (default 25).", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("The DNS server for --domain, IP[:PORT].", valueName: "address"))
    var resolver: String?

    @Option(help: ArgumentHelp("The name to send with EHLO (default: this host's name).", valueName: "name"))
    var ehlo: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        let modes = [name, cert, connect, domain].compactMap { $0 }
        guard modes.count == 1 else {
            throw ValidationError("give exactly one of --name, --cert, --connect or --domain")
        }
        if cert == nil, key != nil || chain != nil { throw ValidationError("--key and --chain go with --cert") }
        if connect == nil, starttls != nil || servername != nil {
            throw ValidationError("--starttls and --servername go with --connect")
        }
        if domain == nil, resolver != nil { throw ValidationError("--resolver goes with --domain") }
        if let resolver {
            do { _ = try DNSServerAddress(parsing: resolver) } catch { throw ValidationError("--resolver: \(error)") }
        }
        if let connect { _ = try Arguments.endpoint(connect, defaultPort: 25) }
        if domain != nil, !hostnames.isEmpty || !tlsaRecords.isEmpty {
            throw ValidationError(
                "--domain compares each MX host with its own name and TLSA records; drop --hostname and --tlsa")
        }
        guard critDays >= 0, warnDays >= critDays else {
            throw ValidationError("--crit-days must be 0 or more and not above --warn-days")
        }
        guard timeout > 0, timeout <= 300 else { throw ValidationError("--timeout must be between 0 and 300 seconds") }
        if let port {
            guard domain != nil else { throw ValidationError("--port goes with --domain; give --connect HOST:PORT") }
            guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        }
        for record in tlsaRecords {
            do { _ = try TLSARecord(parsing: record) } catch { throw ValidationError("--tlsa \"\(record)\": \(error)") }
        }
        if let caBundle, !FileManager.default.isReadableFile(atPath: caBundle) {
            throw ValidationError("--ca-bundle \(caBundle) is not a readable file")
        }
    }

    func run() async throws {
        var status = CheckStatus.unknown
        // A check that cannot run (a missing file, an unknown name, no resolver) is UNKNOWN to monitoring, never
        // the exit 1 that would read as a mere WARNING.
        do {
            try await Output.reportingErrors {
                let outcome = try await checkRun().run(store: global.store(), now: Date())
                status = outcome.status
                let text = CheckReportText(warningDays: warnDays, criticalDays: critDays)
                switch outcome {
                case .walk(let report): try json ? Output.printJSON(report) : Output.print(text.walk(report))
                case .single(let report): try json ? Output.printJSON(report) : Output.print(text.report(report))
                }
            }
        } catch let exit as ExitCode where exit == .failure {
            throw ExitCode(CheckStatus.unknown.exitCode)
        } catch let error as ExitCode {
            throw error
        } catch {
            Output.printError("\(error)")
            throw ExitCode(CheckStatus.unknown.exitCode)
        }
        throw ExitCode(status.exitCode)
    }

    /// The flags as a use case.
    private func checkRun() throws -> CheckRun {
        let subject: CheckRun.Subject =
            if let domain {
                .domain(domain, port: port ?? 25, resolver: try resolver.map { try DNSServerAddress(parsing: $0) })
            } else if let connect {
                .server(try Arguments.endpoint(connect, defaultPort: 25), starttls: starttls, serverName: servername)
            } else if let name {
                .stored(name: name)
            } else {
                .files(
                    certificate: URL(fileURLWithPath: cert ?? ""), chain: chain.map { URL(fileURLWithPath: $0) },
                    key: key.map { URL(fileURLWithPath: $0) })
            }
        var run = CheckRun(subject: subject, ehloName: ehlo ?? LocalHostName.value)
        run.hostnames = hostnames
        run.tlsa = try tlsaRecords.map { try TLSARecord(parsing: $0) }
        run.caBundle = caBundle.map { URL(fileURLWithPath: $0) }
        (run.warningDays, run.criticalDays) = (warnDays, critDays)
        run.timeout = .milliseconds(Int(timeout * 1000))
        return run
    }
}

extension StartTLSProtocol: ExpressibleByArgument {}
