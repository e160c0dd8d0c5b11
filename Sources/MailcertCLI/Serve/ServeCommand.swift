import ArgumentParser
import Foundation
import Logging
import MailcertCore
import MailcertSystem
import MailcertServe

/// `mailcert serve`: the bundled STARTTLS SMTP listener.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the bundled SMTP listener: STARTTLS (and implicit TLS) with certificates from the store.",
        discussion: """
            Accepts mail over SMTP and either stores it in a Maildir (--maildir; written and fsynced before the \
            250) or hands it to an upstream SMTP server in the same session (--relay; 250 only after the upstream \
            said 250, else 4xx), so mailcert can front an MTA that cannot manage its own certificate.

            TLS: --listen ports offer STARTTLS and are opportunistic: a client may also send in clear. \
            --require-tls ports offer STARTTLS and require it: before it only EHLO, HELO, STARTTLS, NOOP, RSET and \
            QUIT are accepted, MAIL gets 530 5.7.0 (mandatory TLS cuts off senders without TLS: use it for \
            submission, not on an MX port 25). --implicit-tls ports (465, RFC 8314) speak TLS from the first byte. TLS 1.2 and 1.3 only, forward-secret AEAD \
            ciphers, no renegotiation, no compression; session tickets on, keys rotated. The --cert certificates \
            and those bound to the smtp or submission service are served; SNI picks among them and an unknown \
            name gets the first. With no usable certificate, STARTTLS is not offered and answers 454 4.7.0.

            Reload: the store is watched; when a renewal switches a certificate's current version (or on SIGHUP) \
            the new one is loaded and checked off to the side, then used for new handshakes; sessions under way \
            finish on the old one. A broken new certificate is refused with a log line and the old one keeps \
            serving. SIGTERM: stop accepting, let sessions finish (limits.shutdown_grace), then 421.

            Security: started as root, it binds, loads the keys, then runs every thread as --user. Reloads then \
            read the keys as that user; the store writes keys 0600 for its owner, so with --user a renewed key \
            can only be read when the admin gives that user access to it (a warning at start names unreadable \
            keys); otherwise restart the listener after a renewal.

            Relay TLS (--relay-tls): may (the default) uses STARTTLS when the upstream offers it, clear text \
            otherwise; a handshake that fails gives the client 451 4.4.1 (it retries), never a retry in clear. \
            none never uses STARTTLS. encrypt relays over TLS only: an upstream that does not offer STARTTLS gets \
            nothing and the client 451 4.7.5, so the client keeps the message and retries. verify is encrypt plus \
            the checks of 'mailcert check' on the upstream's certificate (chain to the system roots and \
            --relay-ca-bundle, validity, names: --relay-hostname, else the --relay host); a CRITICAL result \
            refuses with 451 4.7.5 naming it. Warning: encrypt and verify cut off an upstream without (valid) TLS; \
            mail then waits in the clients' queues until that is fixed. --relay-cert presents a stored \
            certificate as the TLS client certificate (read at start: restart after renewing it). The session log \
            line's upstream field says how the relay connection was secured, or why it was refused.

            Every flag has a key in --config (TOML, see the README); flags win.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("A TOML configuration file; flags override its keys.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Listen here with STARTTLS (repeatable). Default 0.0.0.0:25.", valueName: "addr:port"))
    var listen: [String] = []

    @Option(
        name: .customLong("implicit-tls"),
        help: ArgumentHelp("Listen here with TLS from the first byte, as on port 465 (repeatable).", valueName: "addr:port"))
    var implicitTLS: [String] = []

    @Option(
        name: .customLong("require-tls"),
        help: ArgumentHelp(
            "Listen here with STARTTLS required: no MAIL before STARTTLS (530 5.7.0), e.g. for submission (repeatable).",
            valueName: "addr:port"))
    var requireTLS: [String] = []

    @Option(help: ArgumentHelp("The name in the greeting and Received headers. Default: this host's name.", valueName: "fqdn"))
    var hostname: String?

    @Option(help: ArgumentHelp("A stored certificate to serve (repeatable); the first is the default.", valueName: "name"))
    var cert: [String] = []

    @Option(help: ArgumentHelp("Deliver accepted mail into this Maildir.", valueName: "dir"))
    var maildir: String?

    @Option(help: ArgumentHelp("Relay accepted mail to this SMTP server, in the same session.", valueName: "host:port"))
    var relay: String?

    @OptionGroup var relayTLSOptions: RelayTLSOptions

    @Option(help: ArgumentHelp("Run as this user once the ports are bound and the keys loaded.", valueName: "user"))
    var user: String?

    @Option(name: .customLong("max-connections"), help: "Open connections in all (default 2000).")
    var maxConnections: Int?

    @Option(name: .customLong("max-connections-per-ip"), help: "Open connections per client address (default 50).")
    var maxConnectionsPerIP: Int?

    @Option(name: .customLong("max-message-size"), help: "Largest message in octets, advertised as SIZE (default 25 MiB).")
    var maxMessageSize: Int?

    @Option(name: .customLong("max-recipients"), help: "Recipients per message (default 100).")
    var maxRecipients: Int?

    @Option(name: .customLong("command-timeout"), help: "Seconds for one whole command to arrive (default 300).")
    var commandTimeout: Double?

    @Option(name: .customLong("handshake-timeout"), help: "Seconds for one whole TLS handshake (default 60).")
    var handshakeTimeout: Double?

    @Option(name: .customLong("min-data-rate"), help: "Octets per second DATA must keep up, on top of the command timeout (default 500).")
    var minDataRate: Int?

    @Option(name: .customLong("shutdown-grace"), help: "Seconds sessions get to finish after SIGTERM (default 30).")
    var shutdownGrace: Double?

    @Option(name: .customLong("greet-pause"), help: "Seconds to wait before the greeting; clients that talk first get 554 (default 0: off).")
    var greetPause: Double?

    @Flag(name: .customLong("write-unit"), help: "Install the systemd unit that runs this command (mailcert-serve.service), then exit.")
    var writeUnit = false

    @Flag(name: .customLong("remove-unit"), help: "Remove the unit --write-unit installed, then exit.")
    var removeUnit = false

    @Option(help: ArgumentHelp("With --write-unit/--remove-unit: below this directory instead of /.", valueName: "dir"))
    var root = "/"

    @Option(help: ArgumentHelp("With --write-unit: the templates directory.", valueName: "dir"))
    var templates: String?

    @Option(name: .customLong("log-level"), help: "debug, info (one line per session; default), notice, warning or error.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of debug, info, notice, warning, error")
        }
        if writeUnit && removeUnit { throw ValidationError("--write-unit and --remove-unit exclude each other") }
        if writeUnit && config == nil {
            throw ValidationError(
                "--write-unit needs --config FILE: the unit runs 'mailcert serve --config FILE', so every setting "
                    + "(listen, cert, maildir or relay, user) must be in that file")
        }
        if maildir != nil && relay != nil { throw ValidationError("--maildir and --relay exclude each other: pick one destination") }
        for value in [maxConnections, maxConnectionsPerIP, maxMessageSize, maxRecipients, minDataRate].compactMap({ $0 }) where value < 1 {
            throw ValidationError("limits must be at least 1 (got \(value))")
        }
        for value in [commandTimeout, handshakeTimeout].compactMap({ $0 }) where !(value > 0) {
            throw ValidationError("timeouts must be more than 0 seconds (got \(value))")
        }
        _ = try listen.map { try Arguments.endpoint($0, defaultPort: 25) }
        _ = try implicitTLS.map { try Arguments.endpoint($0, defaultPort: 465) }
        _ = try requireTLS.map { try Arguments.endpoint($0, defaultPort: 587) }
        if let relay { _ = try Arguments.endpoint(relay, defaultPort: 25) }
        for name in cert { _ = try Arguments.certificateName(name) }
    }

    /// The flags as MailcertServe's plain values.
    var overrides: ServeOverrides {
        ServeOverrides(
            listen: listen, implicitTLS: implicitTLS, requireTLS: requireTLS, hostname: hostname, cert: cert,
            maildir: maildir, relay: relay, relayTLS: relayTLSOptions.overrides, user: user,
            maxConnections: maxConnections, maxConnectionsPerIP: maxConnectionsPerIP, maxMessageSize: maxMessageSize,
            maxRecipients: maxRecipients, commandTimeout: commandTimeout, handshakeTimeout: handshakeTimeout,
            minDataRate: minDataRate, shutdownGrace: shutdownGrace, greetPause: greetPause)
    }

    func run() throws {
        if writeUnit || removeUnit { return try manageUnit() }
        do {
            try Output.reportingErrors {
                let file = try config.map { try ServeConfigFile.load(URL(fileURLWithPath: $0)) }
                let settings = try ServeSettings(overrides: overrides, file: file, store: global.store())
                let level = Logger.Level(rawValue: logLevel) ?? .info
                LoggingSystem.bootstrap {
                    JournalLogHandler.serveHandler(label: $0, level: level, journal: GlobalOptions.stderrIsJournal)
                }
                try ServeRunner(settings: settings, logger: Logger(label: "mailcert.serve")).run()
            }
        } catch let error as ServeUsageError {
            // A bad address in --config: a usage error (exit 64), as the same value given as a flag is.
            throw ValidationError(error.message)
        }
    }

    /// --write-unit / --remove-unit: the unit runs `serve` with this store and --config; the Maildir is its only
    /// writable path.
    private func manageUnit() throws {
        try Output.reportingErrors {
            let rootURL = URL(fileURLWithPath: root, isDirectory: true)
            if removeUnit {
                let removed = try ListenerUnit.remove(root: rootURL)
                if removed.isEmpty { Output.note("nothing to remove below \(rootURL.path)") }
                for file in removed { Output.print("removed \(file.path)") }
                return
            }
            let configPath = config.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let file = try configPath.map { try ServeConfigFile.load(URL(fileURLWithPath: $0)) }
            let maildir = file?.maildir
            let settings = ListenerUnit.Settings(
                binary: Executable.path, stateDirectory: global.store().location(of: .store), configFile: configPath,
                writablePaths: [maildir].compactMap { $0.map { URL(fileURLWithPath: $0).standardizedFileURL.path } })
            let renderer = TemplateRenderer(directory: try ShippedFiles.running.templates(templates))
            let written = try ListenerUnit.install(settings: settings, renderer: renderer, root: rootURL)
            Output.print("installed \(written.path)")
            if rootURL.standardizedFileURL.path == "/" {
                Output.print("start it with: systemctl daemon-reload && systemctl enable --now mailcert-serve")
            }
        }
    }
}
