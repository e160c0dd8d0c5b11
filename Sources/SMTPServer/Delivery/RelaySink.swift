import MailcertCheck
import MailcertCrypto
import MailcertSystem
import SMTPProtocol

/// Delivers by relaying to an upstream SMTP server (a smarthost), in lockstep with the client.
///
/// Nothing is queued here: each client command is answered with the upstream's own verdict, so the client hears 250
/// for a message only once the upstream took responsibility for it, and keeps (and retries) everything else.
/// The connection to the upstream is secured as `tls` says (STARTTLS, RFC 3207); a policy that refuses the upstream
/// answers 451 4.7.5, so the client keeps the message.
public struct RelaySink: MessageSink {
    public let host: String
    public let port: Int
    /// The name we give in EHLO/HELO: this listener's host name.
    public let heloName: String
    /// How long each step (connecting, each reply, sending the message) may take before the upstream counts as gone.
    public let timeout: Duration
    /// The policy with its client context and trust store, built once.
    let upstreamTLS: UpstreamTLS

    public var tls: RelayTLSPolicy { upstreamTLS.policy }

    /// A relay under `may` (STARTTLS when offered) without a client certificate.
    public init(host: String, port: Int, heloName: String, timeout: Duration = .seconds(60)) {
        self.init(host: host, port: port, heloName: heloName, timeout: timeout, upstreamTLS: .opportunistic)
    }

    /// A relay under `tls`, presenting `clientIdentity` when the upstream asks for a certificate. Throws when the CA
    /// bundle cannot be read or OpenSSL refuses the client certificate: at start, before any mail is accepted.
    public init(
        host: String, port: Int, heloName: String, timeout: Duration = .seconds(60), tls: RelayTLSPolicy,
        clientIdentity: ServerIdentity? = nil
    ) throws {
        let upstreamTLS = try UpstreamTLS(policy: tls, clientIdentity: clientIdentity)
        self.init(host: host, port: port, heloName: heloName, timeout: timeout, upstreamTLS: upstreamTLS)
    }

    private init(host: String, port: Int, heloName: String, timeout: Duration, upstreamTLS: UpstreamTLS) {
        self.host = host
        self.port = port
        self.heloName = heloName
        self.timeout = timeout
        self.upstreamTLS = upstreamTLS
    }

    public func openChannel(for session: SessionInfo) -> any MessageChannel { RelayChannel(upstream: self) }

    /// "mx.example.net:25", "[2001:db8::1]:25": how replies and logs name the upstream.
    var endpoint: String { Endpoint(host: host, port: port).description }

    /// The reply for an upstream that cannot be used now (unreachable, timed out, gone, or talking nonsense): the
    /// client keeps the message and retries; the cause is in the text for its log and ours.
    func unavailable(_ reason: String) -> ServerReply {
        ServerReply(451, "4.4.1", "upstream \(endpoint): \(reason); try again later")
    }

    /// The reply for `failure`: 451 4.4.1 when the upstream failed, 451 4.7.5 when the TLS policy refused it, with
    /// one line per problem the verification found. Either way the client keeps the message and retries.
    func reply(to failure: UpstreamFailure) -> ServerReply {
        guard failure.isRefusal else { return unavailable(failure.reason) }
        guard !failure.details.isEmpty else {
            let text = "upstream \(endpoint): \(failure.reason); nothing was relayed, try again later"
            return ServerReply(451, "4.7.5", ReplyText.line(text))
        }
        let lines = ["upstream \(endpoint): \(failure.reason):"] + failure.details.map { ReplyText.line($0) }
        return ServerReply(451, "4.7.5", lines + ["nothing was relayed; try again later"])
    }
}

/// Why the upstream session cannot go on; the channel drops the connection and answers 451: 4.4.1 when the
/// upstream failed (unreachable, timed out, a broken handshake), 4.7.5 when the relay TLS policy refused it.
struct UpstreamFailure: Error {
    let reason: String
    /// True when the TLS policy refused the upstream (no STARTTLS, or a certificate that failed the checks).
    var isRefusal = false
    /// One line per problem, for the reply and the log: the checks a verifying policy failed.
    var details: [String] = []

    init(_ reason: String) { self.reason = reason }

    init(_ error: CheckError) { reason = error.message }

    static func refused(_ reason: String, details: [String] = []) -> UpstreamFailure {
        var failure = UpstreamFailure(reason)
        failure.isRefusal = true
        failure.details = details
        return failure
    }

    /// How the log line's `upstream` field shows it: "refused: ..." or "failed: ...".
    var logText: String {
        (isRefusal ? "refused: " : "failed: ") + ([reason] + details).joined(separator: "; ")
    }
}

extension SMTPReply {
    /// The upstream's refusal as our client's reply: its code, its enhanced status code when its text starts with
    /// one of the same class ("550 5.1.1 ..."), and its text with that status taken off every line (ServerReply puts
    /// it back on each).
    var relayed: ServerReply {
        let status = lines.first.flatMap { Self.enhancedStatus(at: $0, code: code) }
        let text = lines.map { line in
            let bare = status.flatMap { line.hasPrefix($0) ? String(line.dropFirst($0.count)) : nil } ?? line
            return Self.printable(bare.drop { $0 == " " })
        }
        return ServerReply(code, status, text)
    }

    /// "250 2.0.0 Ok: queued as 4F1B2" in one line, for `.accepted(detail:)` and for messages.
    var text: String { "\(code) " + lines.map { Self.printable(Substring($0)) }.joined(separator: " / ") }

    /// "5.1.1" when `line` starts with an RFC 3463 status (class.subject.detail, 1-3 digits each) followed by a
    /// space or the end, and its class is the reply code's first digit.
    private static func enhancedStatus(at line: String, code: Int) -> String? {
        let token = line.prefix { $0 != " " }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "\(code / 100)",
            parts[1...].allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy { ("0"..."9").contains($0) } })
        else { return nil }
        return String(token)
    }

    /// The text with anything but printable ASCII as "?", so an upstream cannot put control bytes into our replies.
    private static func printable(_ text: Substring) -> String { ReplyText.printable(text) }
}

/// Text from elsewhere (an upstream, a certificate) made fit for a reply line.
enum ReplyText {
    /// Anything but printable ASCII as "?", so an upstream cannot put control bytes into our replies.
    static func printable(_ text: Substring) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20..<0x7F).contains($0.value) ? $0 : "?" }))
    }

    /// Printable and at most 400 characters, well inside RFC 5321's 512-octet reply line.
    static func line(_ text: String) -> String {
        let clean = printable(Substring(text))
        return clean.count <= 400 ? clean : String(clean.prefix(397)) + "..."
    }
}

/// `body`, with the probe's `CheckError` (connect, timeout, closed, not SMTP) as an `UpstreamFailure`.
func translating<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CheckError {
        throw UpstreamFailure(error)
    }
}
