/// What the session asks its driver to do, in order.
public enum SMTPAction: Equatable, Sendable {
    /// Send this reply (the driver may batch replies and flush once per batch of input, RFC 2920).
    case send(ServerReply)
    /// Start the TLS handshake: the next byte from the client is TLS. `discardedBytes` of plaintext that arrived
    /// pipelined behind STARTTLS were thrown away, never to be read inside TLS (CVE-2011-0411).
    case startTLS(discardedBytes: Int)
    /// Start a transaction at the destination; answer with `SMTPSession.stepFinished(rejection:)`.
    case mail(sender: String, parameters: [String])
    /// Add a recipient at the destination; answer with `stepFinished(rejection:)`.
    case recipient(String)
    /// Hand the complete message to the destination; answer with `stepFinished(rejection:)`.
    case deliver(SMTPEnvelope, content: [UInt8])
    /// Abandon the transaction open at the destination.
    case reset
    /// Close the connection once the replies before this action are sent.
    case close
}

/// Who sent a message to whom, as the session learned it.
public struct SMTPEnvelope: Equatable, Sendable {
    public var heloName: String
    /// "" for the null reverse path `<>` (bounces).
    public var sender: String
    public var recipients: [String]
    /// RFC 3848 name of the protocol: "SMTP", "ESMTP" or "ESMTPS".
    public var protocolName: String
    /// Protocol and cipher when the client used TLS.
    public var tls: TLSDescription?

    public init(heloName: String, sender: String, recipients: [String], protocolName: String, tls: TLSDescription?) {
        self.heloName = heloName
        self.sender = sender
        self.recipients = recipients
        self.protocolName = protocolName
        self.tls = tls
    }
}

/// What the TLS layer negotiated, for the Received header and the logs.
public struct TLSDescription: Equatable, Sendable {
    public var version: String
    public var cipher: String
    /// The name the client asked for with SNI.
    public var serverName: String?

    public init(version: String, cipher: String, serverName: String?) {
        self.version = version
        self.cipher = cipher
        self.serverName = serverName
    }
}
