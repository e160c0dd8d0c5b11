import MailcertCheck
import SMTPProtocol

/// Delivers by relaying to an upstream SMTP server (a smarthost), in lockstep with the client.
///
/// Nothing is queued here: each client command is answered with the upstream's own verdict, so the client hears 250
/// for a message only once the upstream took responsibility for it, and keeps (and retries) everything else.
public struct RelaySink: MessageSink {
    public let host: String
    public let port: Int
    /// The name we give in EHLO/HELO: this listener's host name.
    public let heloName: String
    /// How long each step (connecting, each reply, sending the message) may take before the upstream counts as gone.
    public let timeout: Duration

    public init(host: String, port: Int, heloName: String, timeout: Duration = .seconds(60)) {
        self.host = host
        self.port = port
        self.heloName = heloName
        self.timeout = timeout
    }

    public func openChannel(for session: SessionInfo) -> any MessageChannel { RelayChannel(upstream: self) }

    /// "mx.example.net:25", "[2001:db8::1]:25": how replies and logs name the upstream.
    var endpoint: String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The reply for an upstream that cannot be used now (unreachable, timed out, gone, or talking nonsense): the
    /// client keeps the message and retries; the cause is in the text for its log and ours.
    func unavailable(_ reason: String) -> ServerReply {
        ServerReply(451, "4.4.1", "upstream \(endpoint): \(reason); try again later")
    }
}

/// Why the upstream session cannot go on; the channel drops the connection and answers 451 4.4.1.
struct UpstreamFailure: Error {
    let reason: String

    init(_ reason: String) { self.reason = reason }

    init(_ error: CheckError) { reason = error.message }
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
    private static func printable(_ text: Substring) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { (0x20..<0x7F).contains($0.value) ? $0 : "?" }))
    }
}

/// An SMTP client session with the upstream, past its greeting and our EHLO (or HELO). Every wait has its own
/// deadline of the sink's timeout: connecting, each reply, and sending the message.
final class UpstreamConnection {
    private let socket: SocketConnection
    private let reader: LineReader
    private let timeout: Duration
    /// The EHLO keywords the upstream advertised, upper-cased; none after HELO.
    private var extensions: Set<String> = []

    private init(socket: SocketConnection, timeout: Duration) {
        self.socket = socket
        reader = LineReader(socket)
        self.timeout = timeout
    }

    static func open(_ upstream: RelaySink) throws -> UpstreamConnection {
        let socket = try translating {
            try SocketConnection.connect(host: upstream.host, port: upstream.port, deadline: .after(upstream.timeout))
        }
        let connection = UpstreamConnection(socket: socket, timeout: upstream.timeout)
        try connection.greet(as: upstream.heloName)
        return connection
    }

    private func greet(as name: String) throws {
        let banner = try reply(during: "in its greeting")
        guard banner.code == 220 else { throw UpstreamFailure("refused the session: \(banner.text)") }
        let ehlo = try command("EHLO \(name)", verb: "EHLO")
        if (200..<300).contains(ehlo.code) {
            extensions = Set(ehlo.extensions)
            return
        }
        guard (500..<600).contains(ehlo.code) else { throw UpstreamFailure("answered EHLO with \(ehlo.text)") }
        // A server without ESMTP: plain SMTP carries the message just the same, without parameters.
        let helo = try command("HELO \(name)", verb: "HELO")
        guard (200..<300).contains(helo.code) else { throw UpstreamFailure("answered HELO with \(helo.text)") }
    }

    /// Sends one command line and reads its reply.
    func command(_ line: String, verb: String) throws -> SMTPReply {
        try send(Array("\(line)\r\n".utf8))
        return try reply(during: "to \(verb)")
    }

    func send(_ bytes: [UInt8]) throws {
        try translating { try socket.send(bytes, deadline: .after(timeout)) }
    }

    func reply(during step: String) throws -> SMTPReply {
        try translating { try SMTPReply.read(from: reader, deadline: .after(timeout), during: step) }
    }

    /// The client's MAIL parameters the upstream understands: SIZE when it advertised SIZE, BODY=7BIT or
    /// BODY=8BITMIME when it advertised 8BITMIME. Others (SMTPUTF8, DSN's RET and ENVID, AUTH) name extensions
    /// this relay does not carry through, so they stay here.
    func understood(_ parameters: [String]) -> [String] {
        parameters.filter { parameter in
            let keyword = parameter.prefix { $0 != "=" }.uppercased()
            let value = parameter.drop { $0 != "=" }.dropFirst().uppercased()
            switch keyword {
            case "SIZE": return extensions.contains("SIZE")
            case "BODY": return extensions.contains("8BITMIME") && ["7BIT", "8BITMIME"].contains(value)
            default: return false
            }
        }
    }
}

/// `body`, with the probe's `CheckError` (connect, timeout, closed, not SMTP) as an `UpstreamFailure`.
private func translating<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CheckError {
        throw UpstreamFailure(error)
    }
}
