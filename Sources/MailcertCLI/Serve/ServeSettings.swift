import ArgumentParser
import Foundation
import MailcertCore
import SMTPProtocol
import SMTPServer

/// `serve`'s flags merged over its config file (flags win), checked, and turned into the listener's plain values.
struct ServeSettings {
    enum Destination: Equatable {
        case maildir(URL)
        case relay(host: String, port: Int)
    }

    var listener: ListenerConfiguration
    var sources: [CertificateSource]
    var destination: Destination
    var user: String?
    var ticketKeyRotation: Duration
    /// The store's `certs` directory, watched so certificates created after start are picked up.
    var certificatesDirectory: URL

    init(flags: ServeCommand, file: ServeConfigFile?, store: FileCertificateStore) throws {
        let limitsFile = file?.limits
        let hostname = flags.hostname ?? file?.hostname ?? LocalHostName.value
        var endpoints = try (flags.listen.isEmpty ? file?.listen ?? [] : flags.listen).map {
            let (host, port) = try HostPort.parse($0, defaultPort: 25)
            return ListenerConfiguration.Endpoint(host: host, port: port, implicitTLS: false)
        }
        endpoints += try (flags.implicitTLS.isEmpty ? file?.implicitTLS ?? [] : flags.implicitTLS).map {
            let (host, port) = try HostPort.parse($0, defaultPort: 465)
            return ListenerConfiguration.Endpoint(host: host, port: port, implicitTLS: true)
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
        if let seconds = flags.commandTimeout ?? limitsFile?.commandTimeout { limits.commandTimeout = .seconds(seconds) }
        if let seconds = flags.handshakeTimeout ?? limitsFile?.handshakeTimeout {
            limits.handshakeTimeout = .seconds(seconds)
        }
        if let seconds = flags.greetPause ?? limitsFile?.greetPause { limits.greetPause = .seconds(seconds) }
        if let seconds = limitsFile?.shutdownGrace { limits.shutdownGrace = .seconds(seconds) }
        if let rate = limitsFile?.minDataRate { limits.minimumDataRate = rate }
        listener = ListenerConfiguration(endpoints: endpoints, session: policy, limits: limits)
        ticketKeyRotation = .seconds(limitsFile?.ticketKeyRotation ?? 12 * 3600)
        user = flags.user ?? file?.user

        destination = try Self.destination(maildir: flags.maildir ?? file?.maildir, relay: flags.relay ?? file?.relay)
        certificatesDirectory = store.paths.certs
        sources = try Self.sources(names: flags.cert.isEmpty ? file?.cert ?? [] : flags.cert, store: store)
    }

    private static func destination(maildir: String?, relay: String?) throws -> Destination {
        switch (maildir, relay) {
        case (let maildir?, nil): return .maildir(URL(fileURLWithPath: maildir, isDirectory: true))
        case (nil, let relay?):
            let (host, port) = try HostPort.parse(relay, defaultPort: 25)
            return .relay(host: host, port: port)
        case (nil, nil):
            throw ValidationError("mailcert serve needs a destination for accepted mail: --maildir DIR or --relay HOST:PORT")
        case (_?, _?):
            throw ValidationError("--maildir and --relay (flags or config keys) exclude each other: pick one destination")
        }
    }

    /// The named certificates, then those bound to `smtp` or `submission`, each once, in that order.
    private static func sources(names: [String], store: FileCertificateStore) throws -> [CertificateSource] {
        let bindings = try Bindings.load(store.paths)
        let bound = ["smtp", "submission"].compactMap { bindings.services[$0] }
        var seen = Set<String>()
        return try (names + bound).filter { seen.insert($0).inserted }.map { name in
            let directory = store.paths.certificate(name)
            guard FileManager.default.fileExists(atPath: directory.path) else {
                throw MailcertError(
                    .notFound,
                    "no certificate named '\(name)' in \(store.paths.certs.path) (see 'mailcert list'); nothing was started")
            }
            let current = store.paths.current(name)
            return CertificateSource(
                name: name, chainFile: current.appendingPathComponent(VersionFile.fullchain.rawValue),
                keyFile: current.appendingPathComponent(VersionFile.key.rawValue), watchedDirectories: [directory])
        }
    }
}
