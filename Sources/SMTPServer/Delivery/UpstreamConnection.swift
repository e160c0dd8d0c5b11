import MailcertCheck
import SMTPProtocol

/// An SMTP client session with the upstream, past its greeting, our EHLO (or HELO) and STARTTLS as the relay's TLS
/// policy wants it. Every wait has its own deadline of the sink's timeout: connecting, each reply, the handshake, and
/// sending the message.
final class UpstreamConnection {
    let socket: SocketConnection
    /// Reads the plaintext replies, then (after STARTTLS) those that came through TLS.
    var reader: LineReader
    /// The TLS layer once STARTTLS succeeded; every byte goes through it from then on.
    var tls: TLSByteSource?
    let timeout: Duration
    /// The EHLO keywords the upstream advertised, upper-cased; none after HELO. After STARTTLS, those of the EHLO
    /// sent inside TLS: what it said in clear may have been tampered with (RFC 3207 section 4.2).
    var extensions: Set<String> = []
    /// How the session was secured, for the listener's log line: "TLSv1.3 TLS_AES_256_GCM_SHA384 verified as
    /// mx.example.net", "clear: upstream did not offer STARTTLS".
    var security = "clear"

    private init(socket: SocketConnection, timeout: Duration) {
        self.socket = socket
        reader = LineReader(socket)
        self.timeout = timeout
    }

    /// Connects, greets, and secures the session as `upstream.tls` says. A policy refusal throws
    /// `UpstreamFailure.refused` after a QUIT, so the upstream sees a clean end and receives nothing.
    static func open(_ upstream: RelaySink) throws -> UpstreamConnection {
        let socket = try translating {
            try SocketConnection.connect(host: upstream.host, port: upstream.port, deadline: .after(upstream.timeout))
        }
        let connection = UpstreamConnection(socket: socket, timeout: upstream.timeout)
        let extended = try connection.greet(as: upstream.heloName)
        try connection.secure(upstream, extended: extended)
        return connection
    }

    /// Reads the banner and says EHLO, else HELO; true when EHLO was accepted.
    private func greet(as name: String) throws -> Bool {
        let banner = try reply(during: "in its greeting")
        guard banner.code == 220 else { throw UpstreamFailure("refused the session: \(banner.text)") }
        if try ehlo(as: name) { return true }
        // A server without ESMTP: plain SMTP carries the message just the same, without parameters.
        let helo = try command("HELO \(name)", verb: "HELO")
        guard (200..<300).contains(helo.code) else { throw UpstreamFailure("answered HELO with \(helo.text)") }
        return false
    }

    /// EHLO, keeping the keywords it lists; false on a 5xx (a server without ESMTP).
    func ehlo(as name: String) throws -> Bool {
        let ehlo = try command("EHLO \(name)", verb: "EHLO")
        if (200..<300).contains(ehlo.code) {
            extensions = Set(ehlo.extensions)
            return true
        }
        guard (500..<600).contains(ehlo.code) else { throw UpstreamFailure("answered EHLO with \(ehlo.text)") }
        return false
    }

    /// Sends one command line and reads its reply.
    func command(_ line: String, verb: String) throws -> SMTPReply {
        try send(Array("\(line)\r\n".utf8))
        return try reply(during: "to \(verb)")
    }

    func send(_ bytes: [UInt8]) throws {
        try translating {
            if let tls { try tls.send(bytes, deadline: .after(timeout)) } else {
                try socket.send(bytes, deadline: .after(timeout))
            }
        }
    }

    func reply(during step: String) throws -> SMTPReply {
        try translating { try SMTPReply.read(from: reader, deadline: .after(timeout), during: step) }
    }

    /// QUIT (and close_notify under TLS), without caring for the answer: the session ends either way.
    func quit() {
        _ = try? command("QUIT", verb: "QUIT")
        tls?.close(deadline: .after(min(timeout, .seconds(1))))
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
