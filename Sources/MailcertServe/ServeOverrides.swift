/// What `mailcert serve`'s flags say, as plain values: nil or empty where a flag was not given, so the config file's
/// key applies. The CLI fills it from its flags; this module never sees argument parsing.
public struct ServeOverrides: Sendable {
    public var listen: [String]
    public var implicitTLS: [String]
    public var requireTLS: [String]
    public var hostname: String?
    public var cert: [String]
    public var maildir: String?
    public var relay: String?
    public var relayTLS: RelayTLSOverrides
    public var user: String?
    public var maxConnections: Int?
    public var maxConnectionsPerIP: Int?
    public var maxMessageSize: Int?
    public var maxRecipients: Int?
    public var commandTimeout: Double?
    public var handshakeTimeout: Double?
    public var minDataRate: Int?
    public var shutdownGrace: Double?
    public var greetPause: Double?

    public init(
        listen: [String] = [], implicitTLS: [String] = [], requireTLS: [String] = [], hostname: String? = nil,
        cert: [String] = [], maildir: String? = nil, relay: String? = nil, relayTLS: RelayTLSOverrides = .init(),
        user: String? = nil, maxConnections: Int? = nil, maxConnectionsPerIP: Int? = nil, maxMessageSize: Int? = nil,
        maxRecipients: Int? = nil, commandTimeout: Double? = nil, handshakeTimeout: Double? = nil,
        minDataRate: Int? = nil, shutdownGrace: Double? = nil, greetPause: Double? = nil
    ) {
        self.listen = listen
        self.implicitTLS = implicitTLS
        self.requireTLS = requireTLS
        self.hostname = hostname
        self.cert = cert
        self.maildir = maildir
        self.relay = relay
        self.relayTLS = relayTLS
        self.user = user
        self.maxConnections = maxConnections
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.maxMessageSize = maxMessageSize
        self.maxRecipients = maxRecipients
        self.commandTimeout = commandTimeout
        self.handshakeTimeout = handshakeTimeout
        self.minDataRate = minDataRate
        self.shutdownGrace = shutdownGrace
        self.greetPause = greetPause
    }
}
