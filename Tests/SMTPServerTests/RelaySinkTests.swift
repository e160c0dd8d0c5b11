import Foundation
import MailcertTestSupport
import SMTPProtocol
import SMTPServer
import Testing

/// Relaying to a real upstream on 127.0.0.1: Debian's aiosmtpd, storing what it accepts in a Maildir, for the
/// message's way through; a scripted peer (Fixtures/scripted_upstream.py) where aiosmtpd cannot be made to refuse,
/// to speak plain SMTP, to drop an idle connection or to talk nonsense.
@Suite("Relay delivery")
struct RelaySinkTests {
    static let session = SessionInfo(peer: "192.0.2.7:50123", heloName: "client.example.test")

    /// A relay with a generous timeout: the tests wait for replies, never for the clock.
    static func channel(_ port: Int) -> any MessageChannel {
        RelaySink(host: "127.0.0.1", port: port, heloName: "mx1.example.test", timeout: .seconds(20))
            .openChannel(for: session)
    }

    /// As the listener hands a message over (CRLF, dot-unstuffed): lines the relay must dot-stuff, and a lone "."
    /// that would end the message early if it did not.
    static func message(_ subject: String) -> [UInt8] {
        Array(
            ("Received: from client.example.test by mx1.example.test\r\nSubject: \(subject)\r\n\r\n"
                + "first line\r\n.a line starting with a dot\r\n.\r\n..two dots\r\nlast line\r\n").utf8)
    }

    /// The body as the upstream must store it: every dot back where it was (aiosmtpd adds its X- headers to the
    /// header and stores LF line ends).
    static let body = "\n\nfirst line\n.a line starting with a dot\n.\n..two dots\nlast line\n"

    @Test("the message reaches the upstream exactly once with its content intact, and 250 comes only from there")
    func delivers() throws {
        let upstream = try MailboxUpstream()
        let channel = Self.channel(upstream.port)

        #expect(accepted(channel.mail(from: "alice@example.test", parameters: ["SIZE=300", "BODY=8BITMIME"])))
        #expect(accepted(channel.recipient("bob@example.test")))
        let verdict = channel.data(Self.message("hello"))
        channel.close()

        guard case .accepted(let detail) = verdict else {
            Issue.record("not relayed: \(verdict)\n\(upstream.server.log())")
            return
        }
        #expect(detail.hasPrefix("250 "))
        let stored = try upstream.messages()
        #expect(stored.count == 1)
        #expect(
            stored.first?.hasPrefix("Received: from client.example.test by mx1.example.test\nSubject: hello\n") == true)
        #expect(stored.first?.hasSuffix(Self.body) == true, "\(stored)")
        #expect(stored.first?.contains("X-MailFrom: alice@example.test\n") == true)
        #expect(stored.first?.contains("X-RcptTo: bob@example.test\n") == true)
    }

    @Test("after a reset, the next transactions go over the same connection; the abandoned one stores nothing")
    func transactionsAfterReset() throws {
        let upstream = try MailboxUpstream()
        let channel = Self.channel(upstream.port)

        #expect(accepted(channel.mail(from: "alice@example.test", parameters: [])))
        #expect(accepted(channel.recipient("bob@example.test")))
        channel.reset()
        for subject in ["second", "third"] {
            #expect(accepted(channel.mail(from: "alice@example.test", parameters: [])))
            #expect(accepted(channel.recipient("carol@example.test")))
            #expect(accepted(channel.data(Self.message(subject))), "\(upstream.server.log())")
            channel.reset()
        }
        channel.close()

        let stored = try upstream.messages()
        #expect(stored.count == 2)
        #expect(Set(stored.compactMap { header("Subject", in: $0) }) == ["second", "third"])
        // aiosmtpd records the client's address and port: one value means one connection.
        #expect(Set(stored.compactMap { header("X-Peer", in: $0) }).count == 1, "\(stored)")
    }

    @Test("an upstream that is not listening gives 451 4.4.1 naming host:port; the next MAIL connects afresh")
    func upstreamDown() throws {
        let port = FreePort.pick()
        let channel = Self.channel(port)

        let verdict = channel.mail(from: "alice@example.test", parameters: [])

        guard case .rejected(let reply) = verdict else {
            Issue.record("accepted with nothing listening: \(verdict)")
            return
        }
        #expect(reply.code == 451)
        #expect(reply.status == "4.4.1")
        #expect(reply.lines.count == 1)
        #expect(reply.lines[0].hasPrefix("upstream 127.0.0.1:\(port): "), "\(reply)")
        #expect(reply.lines[0].contains("Connection refused"), "\(reply)")
        #expect(reply.lines[0].hasSuffix("; try again later"), "\(reply)")

        let upstream = try MailboxUpstream(port: port)
        #expect(accepted(channel.mail(from: "alice@example.test", parameters: [])))
        #expect(accepted(channel.recipient("bob@example.test")))
        #expect(accepted(channel.data(Self.message("after the outage"))))
        channel.close()
        #expect(try upstream.messages().count == 1)
    }

    @Test("a recipient the upstream refuses gets its 550 and enhanced status; SIZE and BODY pass, other parameters not")
    func refusedRecipient() throws {
        // A scripted peer: aiosmtpd accepts every recipient.
        let upstream = try ScriptedUpstream("reject_rcpt")
        let channel = Self.channel(upstream.port)

        let parameters = ["SIZE=300", "BODY=8BITMIME", "SMTPUTF8", "RET=HDRS"]
        #expect(accepted(channel.mail(from: "alice@example.test", parameters: parameters)))
        let refused = channel.recipient("nobody@example.test")
        let taken = channel.recipient("bob@example.test")
        let verdict = channel.data(Self.message("hello"))
        channel.close()

        let lines = ["<nobody@example.test>: Recipient address rejected:", "User unknown in local recipient table"]
        #expect(refused == .rejected(ServerReply(550, "5.1.1", lines)))
        #expect(taken == .accepted(detail: "250 2.1.5 Ok"))
        #expect(verdict == .accepted(detail: "250 2.0.0 Ok: queued as SCRIPTED"))
        let log = upstream.server.log()
        #expect(log.contains("1 C: MAIL FROM:<alice@example.test> SIZE=300 BODY=8BITMIME\n"), "\(log)")
        #expect(log.contains("1 message of 8 lines"), "\(log)")
    }

    @Test("an upstream without ESMTP gets HELO after its 5xx to EHLO, and MAIL without parameters")
    func heloFallback() throws {
        // A scripted peer: aiosmtpd always speaks ESMTP.
        let upstream = try ScriptedUpstream("helo_only")
        let channel = Self.channel(upstream.port)

        #expect(accepted(channel.mail(from: "alice@example.test", parameters: ["SIZE=300", "BODY=8BITMIME"])))
        #expect(accepted(channel.recipient("bob@example.test")))
        #expect(accepted(channel.data(Self.message("hello"))))
        channel.close()

        let log = upstream.server.log()
        #expect(log.contains("1 C: EHLO mx1.example.test\n1 C: HELO mx1.example.test\n"), "\(log)")
        #expect(log.contains("1 C: MAIL FROM:<alice@example.test>\n"), "\(log)")
    }

    @Test("an idle connection the upstream closed is replaced at the next MAIL, without troubling the client")
    func staleConnection() throws {
        // A scripted peer: it closes the connection after each message, as an upstream's idle timeout would.
        let upstream = try ScriptedUpstream("drop_after_message")
        let channel = Self.channel(upstream.port)

        for subject in ["first", "second"] {
            #expect(accepted(channel.mail(from: "alice@example.test", parameters: [])))
            #expect(accepted(channel.recipient("bob@example.test")))
            #expect(accepted(channel.data(Self.message(subject))))
        }
        channel.close()

        let log = upstream.server.log()
        #expect(log.contains("1 message of 8 lines") && log.contains("2 message of 8 lines"), "\(log)")
    }

    @Test("an upstream answering with garbage gives 451 4.4.1 and is dropped; the next MAIL reconnects")
    func garbage() throws {
        // A scripted peer: no real server answers MAIL with a line that is not an SMTP reply.
        let upstream = try ScriptedUpstream("garbage")
        let channel = Self.channel(upstream.port)

        let first = channel.mail(from: "alice@example.test", parameters: [])
        let second = channel.mail(from: "alice@example.test", parameters: [])
        channel.close()

        for verdict in [first, second] {
            guard case .rejected(let reply) = verdict else {
                Issue.record("garbage taken for a yes: \(verdict)")
                continue
            }
            #expect(reply.code == 451 && reply.status == "4.4.1")
            #expect(reply.lines[0].hasPrefix("upstream 127.0.0.1:\(upstream.port): "), "\(reply)")
            #expect(reply.lines[0].contains("not an SMTP reply"), "\(reply)")
        }
        #expect(upstream.server.log().contains("2 C: MAIL FROM:<alice@example.test>\n"), "\(upstream.server.log())")
    }
}

/// Debian's aiosmtpd storing every message it accepts in a Maildir: the real upstream.
private struct MailboxUpstream {
    let server: BackgroundProcess
    let port: Int
    private let directory: TemporaryDirectory

    init(port: Int = FreePort.pick()) throws {
        directory = try TemporaryDirectory("aiosmtpd-mailbox")
        self.port = port
        server = try BackgroundProcess(
            "/usr/bin/python3",
            [
                "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox",
                directory.path("mail"),
            ],
            log: directory.path("log"), keeping: directory, stopSignal: SIGKILL)
        try FreePort.waitUntilListening(port, server: server)
    }

    /// Every message stored, oldest name first.
    func messages() throws -> [String] {
        let new = directory.url.appendingPathComponent("mail/new")
        return try FileManager.default.contentsOfDirectory(atPath: new.path).sorted().map {
            try String(contentsOf: new.appendingPathComponent($0), encoding: .utf8)
        }
    }
}

/// Fixtures/scripted_upstream.py in one of its modes; its log lists connections and the lines it received.
private struct ScriptedUpstream {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/scripted_upstream.py").path

    let server: BackgroundProcess
    let port: Int

    init(_ mode: String) throws {
        port = FreePort.pick()
        let log = try TemporaryDirectory("scripted-upstream")
        server = try BackgroundProcess(
            "/usr/bin/python3", [Self.script, mode, String(port)], log: log.path("log"), keeping: log,
            stopSignal: SIGKILL)
        try FreePort.waitUntilListening(port, server: server)
    }
}

private func accepted(_ verdict: DeliveryVerdict) -> Bool {
    if case .accepted = verdict { return true }
    return false
}

/// The value of the first `name:` header of a stored message.
private func header(_ name: String, in message: String) -> String? {
    message.split(separator: "\n").first { $0.hasPrefix("\(name): ") }.map { String($0.dropFirst(name.count + 2)) }
}
