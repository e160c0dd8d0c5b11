import SMTPProtocol

/// Where accepted mail goes: a Maildir on this host, or an upstream SMTP server.
///
/// The listener opens one `MessageChannel` per client session. Its methods may block (disk, network), so the listener
/// calls them on a thread pool, one call at a time per session and in protocol order; a channel is therefore never
/// used concurrently, though successive calls may come from different threads.
public protocol MessageSink: Sendable {
    /// A channel for one client session; it must not do I/O yet (the relay connects at the first MAIL).
    func openChannel(for session: SessionInfo) -> any MessageChannel
}

/// One client session's path to the destination, for as many transactions as the client sends.
///
/// Contract: `mail` starts a transaction, `recipient` adds to it, `data` ends it; `reset` abandons a transaction
/// (RSET, a rejected DATA, a second MAIL after an error) and `close` ends the session. A verdict of `.accepted` on
/// `data` means the message is safe (fsynced, or accepted by the upstream with 250): the client is told 250 only
/// then, so no mail is acknowledged and then lost.
public protocol MessageChannel: AnyObject {
    /// MAIL FROM:<sender> with its ESMTP parameters (e.g. "SIZE=1234", "BODY=8BITMIME"), as the client sent them.
    func mail(from sender: String, parameters: [String]) -> DeliveryVerdict
    func recipient(_ recipient: String) -> DeliveryVerdict
    /// The message as it will be stored: CRLF line ends, dot-unstuffed, our `Received:` header first.
    func data(_ message: [UInt8]) -> DeliveryVerdict
    func reset()
    func close()
    /// How the upstream side of the last step was secured, for the listener's one log line per session: "TLSv1.3
    /// TLS_AES_256_GCM_SHA384 verified as mx.example.net", "clear: upstream did not offer STARTTLS", "refused: ...";
    /// nil where there is no upstream (a Maildir). Read on the thread pool, right after a step, like the methods.
    var upstreamSecurity: String? { get }
}

extension MessageChannel {
    public var upstreamSecurity: String? { nil }
}

/// What the destination said about one step.
public enum DeliveryVerdict: Equatable, Sendable {
    /// Done; `detail` is logged (e.g. the Maildir file name or the upstream's queue id reply).
    case accepted(detail: String)
    /// The client gets this reply: 4xx when it should retry, 5xx when the destination refused for good.
    case rejected(ServerReply)
}

/// What a channel may want to know about the client session it serves.
public struct SessionInfo: Sendable {
    /// "192.0.2.7:50123"
    public var peer: String
    /// The name the client gave in EHLO/HELO, once it has.
    public var heloName: String?

    public init(peer: String, heloName: String? = nil) {
        self.peer = peer
        self.heloName = heloName
    }
}
