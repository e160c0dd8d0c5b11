import MailcertSystem

/// Where and how to connect for a remote check.
public struct ProbeRequest: Sendable {
    public var host: String
    public var port: Int
    public var starttls: StartTLSProtocol
    /// Sent as SNI; nil sends none. Callers default it to the hostname being checked.
    public var serverName: String?
    /// The name our EHLO carries.
    public var ehloName: String
    /// The limit of each step: connect, every reply, the handshake.
    public var timeout: Duration

    public init(
        host: String, port: Int, starttls: StartTLSProtocol? = nil, serverName: String? = nil,
        ehloName: String = "localhost", timeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.starttls = starttls ?? .conventional(forPort: port)
        self.serverName = serverName
        self.ehloName = ehloName
        self.timeout = timeout
    }

    /// "mx1.example.com:25", "[2001:db8::1]:25".
    public var target: String { Endpoint(host: host, port: port).description }
}
