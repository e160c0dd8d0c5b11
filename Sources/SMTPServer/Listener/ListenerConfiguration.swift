import MailcertSystem
import NIOCore
import SMTPProtocol

/// Everything `SMTPListener` needs, as plain values: the CLI builds it from flags and the config file.
public struct ListenerConfiguration: Sendable {
    /// A socket to listen on and how TLS starts there.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        /// true: TLS from the first byte (port 465, RFC 8314); false: plaintext with STARTTLS (ports 25, 587).
        public var implicitTLS: Bool
        /// On a STARTTLS port: mail only after STARTTLS (530 5.7.0 before it); false: opportunistic.
        public var requireTLS: Bool

        public init(host: String, port: Int, implicitTLS: Bool, requireTLS: Bool = false) {
            self.host = host
            self.port = port
            self.implicitTLS = implicitTLS
            self.requireTLS = requireTLS
        }

        /// Where the socket is, as MailcertSystem's host and port: the CLI parses `--listen` into one.
        public init(_ address: MailcertSystem.Endpoint, implicitTLS: Bool, requireTLS: Bool = false) {
            self.init(host: address.host, port: address.port, implicitTLS: implicitTLS, requireTLS: requireTLS)
        }

        /// The host and port alone.
        public var address: MailcertSystem.Endpoint { MailcertSystem.Endpoint(host: host, port: port) }

        /// "0.0.0.0:25", "[::]:25".
        public var description: String { address.description }

        /// "implicit TLS", "STARTTLS required" or "STARTTLS opportunistic", for logs and help.
        public var tlsMode: String {
            implicitTLS ? "implicit TLS" : requireTLS ? "STARTTLS required" : "STARTTLS opportunistic"
        }
    }

    /// Bounds on what one client, and all of them together, may take.
    public struct Limits: Sendable, Equatable {
        public var maximumConnections = 2000
        public var maximumConnectionsPerAddress = 50
        /// Total time for one command line to arrive, from the previous reply (not per read: a client dripping one
        /// byte at a time is cut off all the same). RFC 5321 section 4.5.3.2 suggests 5 minutes.
        public var commandTimeout: Duration = .seconds(300)
        /// Total time for a TLS handshake, from STARTTLS (or the connection, on an implicit-TLS port).
        public var handshakeTimeout: Duration = .seconds(60)
        /// DATA may take `commandTimeout` plus one second per this many octets received (Postfix smtpd_min_data_rate).
        public var minimumDataRate = 500
        /// Wait this long before the greeting and reject clients that talk first (0: greet at once).
        public var greetPause: Duration = .zero
        /// On SIGTERM, sessions get this long to finish before they are told 421 and closed.
        public var shutdownGrace: Duration = .seconds(30)

        public init() {}
    }

    public var endpoints: [Endpoint]
    /// Hostname, message size and recipient limits of each session.
    public var session: SessionPolicy
    public var limits: Limits
    /// Threads that run Maildir writes and relay steps, which block.
    public var deliveryThreads: Int
    /// Event loops; one per core by default.
    public var eventLoops: Int

    public init(
        endpoints: [Endpoint], session: SessionPolicy, limits: Limits = Limits(), deliveryThreads: Int = 16,
        eventLoops: Int = System.coreCount
    ) {
        self.endpoints = endpoints
        self.session = session
        self.limits = limits
        self.deliveryThreads = deliveryThreads
        self.eventLoops = eventLoops
    }
}
