import Foundation
import MailcertCore
import MailcertSystem
import SMTPProtocol
import SMTPServer

/// `serve`'s flags (as `ServeOverrides`) merged over its config file (flags win), checked, and turned into the
/// listener's plain values.
public struct ServeSettings {
    enum Destination: Equatable {
        case maildir(URL)
        case relay(host: String, port: Int)
    }

    var listener: ListenerConfiguration
    /// The certificates to serve: the named ones, then those bound to smtp/submission, re-read on every reload.
    var sourceList: ListenerCertificates
    var destination: Destination
    /// How a relay destination secures its connection (--relay-tls and friends).
    var relayTLS = RelayTLSSettings()
    var user: String?
    var ticketKeyRotation: Duration

    public init(overrides flags: ServeOverrides, file: ServeConfigFile?, store: FileCertificateStore) throws {
        let limitsFile = file?.limits
        let hostname = flags.hostname ?? file?.hostname ?? LocalHostName.value
        var endpoints = try (flags.listen.isEmpty ? file?.listen ?? [] : flags.listen).map {
            ListenerConfiguration.Endpoint(try Self.endpoint($0, defaultPort: 25), implicitTLS: false)
        }
        endpoints += try (flags.implicitTLS.isEmpty ? file?.implicitTLS ?? [] : flags.implicitTLS).map {
            ListenerConfiguration.Endpoint(try Self.endpoint($0, defaultPort: 465), implicitTLS: true)
        }
        endpoints += try (flags.requireTLS.isEmpty ? file?.requireTLS ?? [] : flags.requireTLS).map {
            ListenerConfiguration.Endpoint(
                try Self.endpoint($0, defaultPort: 587), implicitTLS: false, requireTLS: true)
        }
        if endpoints.isEmpty { endpoints = [.init(host: "0.0.0.0", port: 25, implicitTLS: false)] }

        var policy = SessionPolicy(hostname: hostname)
        if let size = flags.maxMessageSize ?? limitsFile?.maxMessageSize { policy.maximumMessageSize = size }
        if let count = flags.maxRecipients ?? limitsFile?.maxRecipients { policy.maximumRecipients = count }

        var limits = ListenerConfiguration.Limits()
        if let value = flags.maxConnections ?? limitsFile?.maxConnections { limits.maximumConnections = value }
        if let value = flags.maxConnectionsPerIP ?? limitsFile?.maxConnectionsPerIP {
            limits.maximumConnectionsPerAddress = value
        }
        if let seconds = flags.commandTimeout ?? limitsFile?.commandTimeout?.value {
            limits.commandTimeout = try Self.duration(seconds, "command_timeout")
        }
        if let seconds = flags.handshakeTimeout ?? limitsFile?.handshakeTimeout?.value {
            limits.handshakeTimeout = try Self.duration(seconds, "handshake_timeout")
        }
        if let seconds = flags.greetPause ?? limitsFile?.greetPause?.value {
            limits.greetPause = try Self.duration(seconds, "greet_pause")
        }
        if let seconds = flags.shutdownGrace ?? limitsFile?.shutdownGrace?.value {
            limits.shutdownGrace = try Self.duration(seconds, "shutdown_grace")
        }
        if let rate = flags.minDataRate ?? limitsFile?.minDataRate { limits.minimumDataRate = rate }
        listener = ListenerConfiguration(endpoints: endpoints, session: policy, limits: limits)
        ticketKeyRotation = try Self.duration(limitsFile?.ticketKeyRotation?.value ?? 12 * 3600, "ticket_key_rotation")
        user = flags.user ?? file?.user

        // Flags win as a whole: a --maildir or --relay replaces whichever destination the file names.
        let flagsChooseDestination = flags.maildir != nil || flags.relay != nil
        destination = try Self.destination(
            maildir: flagsChooseDestination ? flags.maildir : file?.maildir,
            relay: flagsChooseDestination ? flags.relay : file?.relay)
        let relaying = if case .relay = destination { true } else { false }
        relayTLS = try RelayTLSSettings(overrides: flags.relayTLS, file: file, relaying: relaying, store: store)
        sourceList = ListenerCertificates(names: flags.cert.isEmpty ? file?.cert ?? [] : flags.cert, store: store)
        try sourceList.checkNamedCertificatesExist()
    }

    /// The longest time any limit may name: beyond it nothing is gained, and near Int64 nanoseconds the conversion
    /// to a Duration or NIO's TimeAmount traps (`command_timeout = inf` or `1e300` crashed serve; Fuzz/ServeConfig).
    static let maximumSeconds: Double = 30 * 24 * 3600

    /// `seconds` from a flag or the config file as a Duration, or a usage error naming the key.
    static func duration(_ seconds: Double, _ key: String) throws -> Duration {
        guard seconds.isFinite, seconds >= 0, seconds <= maximumSeconds else {
            throw ServeUsageError(
                "\(key) must be a number of seconds from 0 to \(Int(maximumSeconds)) (30 days), not \(seconds); "
                    + "nothing was started")
        }
        return .seconds(seconds)
    }

    private static func destination(maildir: String?, relay: String?) throws -> Destination {
        switch (maildir, relay) {
        case (let maildir?, nil): return .maildir(URL(fileURLWithPath: maildir, isDirectory: true))
        case (nil, let relay?):
            let endpoint = try Self.endpoint(relay, defaultPort: 25)
            return .relay(host: endpoint.host, port: endpoint.port)
        case (nil, nil):
            throw MailcertError(
                .badInput,
                "mailcert serve needs a destination for accepted mail: --maildir DIR or --relay HOST:PORT (or the "
                    + "maildir or relay key of --config); nothing was started")
        case (_?, _?):
            throw MailcertError(
                .badInput, "the config file names both maildir and relay: pick one destination; nothing was started")
        }
    }

    /// "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 literal; a bad one (from the config file: the CLI
    /// checked the flags) is a usage error naming it.
    private static func endpoint(_ input: String, defaultPort: Int) throws -> Endpoint {
        do { return try Endpoint.parse(input, defaultPort: defaultPort) } catch {
            throw ServeUsageError(error.description)
        }
    }
}
