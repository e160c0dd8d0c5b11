import Foundation
import MailcertCheck
import MailcertTestSupport
import Testing

/// What a listener on port 25 must withstand, each driven with raw bytes (or a real TLS client told to misbehave) at
/// a live `mailcert serve` on 127.0.0.1.
@Suite("Listener hardening", .serialized)
struct ListenerHardeningTests {
    static let transaction = "MAIL FROM:<a@client.test>\r\nRCPT TO:<b@mx.listener.test>\r\nDATA\r\n"

    @Test("plaintext pipelined behind STARTTLS in the same packet is never run inside TLS (CVE-2011-0411)")
    func pipelinedBehindStartTLS() throws {
        let listener = try LiveListener().start()
        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        let injected = "MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<b@mx.listener.test>\r\n"
        try client.send("EHLO attacker.test\r\nSTARTTLS\r\n" + injected)
        #expect(try client.replies(2) == [250, 220])
        try client.startTLS()
        // Had the injected MAIL been kept, this RCPT would be accepted; it must find no transaction and no EHLO.
        #expect(try client.command("RCPT TO:<b@mx.listener.test>").code == 503)
        #expect(try client.command("MAIL FROM:<a@client.test>").lines.last?.contains("send HELO/EHLO first") == true)
        #expect(try client.command("QUIT").code == 221)
        #expect(listener.waitForLog("discarded \(injected.utf8.count) plaintext bytes pipelined behind STARTTLS"))
        #expect(listener.delivered().isEmpty)
    }

    @Test("SMTP smuggling: a bare-LF end of data keeps the smuggled commands inside a message that is rejected whole")
    func smuggling() throws {
        let listener = try LiveListener().start()
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        try client.send("EHLO c\r\n" + Self.transaction)
        #expect(try client.replies(4) == [250, 250, 250, 354])
        try client.send(
            "Subject: real\r\n\r\nhi\r\n\n.\nMAIL FROM:<admin@bank.test>\nRCPT TO:<victim@mx.listener.test>\nDATA\n"
                + "Subject: forged\n\nsmuggled\n.\r\nNOOP\r\n")
        // Nothing so far ended DATA: the NOOP is message text, so no reply may come yet.
        try client.send("\r\n.\r\n")
        let rejection = try client.reply()
        #expect(rejection.code == 554)
        #expect(rejection.lines.last?.contains("bare <CR> or <LF>") == true)
        #expect(try client.command("NOOP").code == 250)
        #expect(listener.delivered().isEmpty)
        // The session goes on and a clean message is delivered once.
        try client.send(Self.transaction)
        #expect(try client.replies(3) == [250, 250, 354])
        #expect(try client.command("Subject: clean\r\n\r\nbody\r\n.").code == 250)
        #expect(listener.delivered().count == 1)
        #expect(listener.delivered().first?.contains("Subject: clean") == true)
    }

    @Test("an overlong command line gets 500 and the session goes on; an overlong text line rejects the message")
    func overlongLines() throws {
        let listener = try LiveListener().start()
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        try client.send("EHLO " + String(repeating: "a", count: 100_000) + "\r\n")
        #expect(try client.reply().code == 500)
        #expect(try client.command("EHLO c").code == 250)
        try client.send(Self.transaction)
        #expect(try client.replies(3) == [250, 250, 354])
        let reply = try client.command(String(repeating: "x", count: 5000) + "\r\n.")
        #expect(reply.code == 554)
        #expect(try client.command("NOOP").code == 250)
        #expect(listener.delivered().isEmpty)
    }

    @Test("commands in the wrong order get 503 and no mail moves")
    func wrongOrder() throws {
        let listener = try LiveListener().start()
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        #expect(try client.command("MAIL FROM:<a@c.test>").code == 503)
        #expect(try client.command("EHLO c").code == 250)
        #expect(try client.command("RCPT TO:<b@mx.listener.test>").code == 503)
        #expect(try client.command("DATA").code == 503)
        #expect(try client.command("MAIL FROM:<a@c.test>").code == 250)
        #expect(try client.command("DATA").code == 503)
        #expect(try client.command("MAIL FROM:<a@c.test>").code == 503)
        #expect(listener.delivered().isEmpty)
    }

    @Test("with a greeting pause, a client that talks before the greeting gets 554 and is disconnected")
    func talksBeforeGreeting() throws {
        let listener = try LiveListener().start(["--greet-pause", "1"])
        let early = try RawSMTPClient(port: listener.port)
        try early.send("EHLO hasty.test\r\nMAIL FROM:<spam@hasty.test>\r\n")
        let answer = try early.readUntilClosed()
        #expect(answer.hasPrefix("554 5.5.1"))
        #expect(!answer.contains("220 "))
        // A patient client is greeted after the pause.
        let patient = try RawSMTPClient(port: listener.port)
        #expect(try patient.reply().code == 220)
        #expect(try patient.command("EHLO patient.test").code == 250)
    }

    @Test("a client dripping bytes is cut off by the total command deadline, not kept alive by each byte")
    func slowClient() throws {
        let listener = try LiveListener().start(["--command-timeout", "1"])
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        var cutOff = false
        // 60 bytes at 0.1 s each would take 6 s; the deadline for the whole line is 1 s.
        for byte in Array("NOOP " + String(repeating: "z", count: 55)).map({ String($0) }) {
            do { try client.send(byte) } catch {
                cutOff = true
                break
            }
            if let reply = try? client.reply(within: .milliseconds(100)) {
                #expect(reply.code == 421)
                #expect(reply.lines.last?.contains("timeout exceeded") == true)
                cutOff = true
                break
            }
        }
        #expect(cutOff, "the session outlived its command deadline while bytes trickled in")
        #expect(listener.waitForLog("result=timeout"))
    }

    @Test("a TLS handshake that stalls is closed at the handshake deadline")
    func stalledHandshake() throws {
        let listener = try LiveListener().start(["--handshake-timeout", "1"])
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        #expect(try client.command("STARTTLS").code == 220)
        try client.send([0x16, 0x03, 0x01, 0x00])  // the start of a ClientHello, then nothing
        let received = try client.readRawUntilClosed(within: .seconds(15))
        #expect(received.isEmpty)
        #expect(listener.waitForLog("result=TLS handshake timeout"))
    }

    @Test("a flood of idle connections from one address hits its limit while another client is still served")
    func idleFlood() throws {
        let listener = try LiveListener().start(["--max-connections-per-ip", "5"])
        // The readiness probe's connection must be gone from the count before the flood starts.
        #expect(listener.waitForLog("result=closed by client"))
        let idle = try (0..<5).map { _ in try RawSMTPClient(port: listener.port) }
        for connection in idle { #expect(try connection.reply().code == 220) }
        let sixth = try RawSMTPClient(port: listener.port)
        let refusal = try sixth.reply()
        #expect(refusal.code == 421)
        #expect(refusal.lines.last?.contains("too many connections from your address") == true)
        // Another address (127.0.0.2 is loopback too) still gets through and delivers, via Python's smtplib.
        let script = """
            import smtplib, sys
            s = smtplib.SMTP("127.0.0.1", \(listener.port), source_address=("127.0.0.2", 0), timeout=10)
            s.ehlo("other.test")
            s.sendmail("a@other.test", ["b@mx.listener.test"], "Subject: served\\r\\n\\r\\nstill served\\r\\n")
            s.quit()
            """
        let result = try Subprocess.run("/usr/bin/python3", ["-c", script])
        #expect(result.status == 0, "\(result.output)")
        #expect(listener.delivered().count == 1)
        _ = idle
    }

    @Test("clients that offer only TLS 1.0 or 1.1 get a protocol_version alert, never a session")
    func oldTLSRefused() throws {
        let listener = try LiveListener().start()
        for version in ["-tls1", "-tls1_1"] {
            // SECLEVEL=0 so the client really offers the old version instead of refusing on its own side.
            let result = try Subprocess.run(
                "/usr/bin/openssl",
                [
                    "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:\(listener.port)", version, "-cipher",
                    "DEFAULT:@SECLEVEL=0",
                ], stdin: Data("EHLO old.test\r\n".utf8))
            #expect(result.output.contains("alert protocol version"), "\(version): \(result.output)")
            #expect(!result.output.contains("250-PIPELINING\r\n250"), "no SMTP inside an old-TLS session")
        }
        #expect(listener.waitForLog("unsupported protocol"))
    }

    @Test("a TLS 1.2 renegotiation request is refused (no_renegotiation), with no second handshake")
    func renegotiationRefused() throws {
        let listener = try LiveListener().start()
        // s_client renegotiates when a line is just "R"; the pipe feeds it EHLO first, then R.
        let script = "(printf 'EHLO c\\n'; sleep 0.5; printf 'R\\n'; sleep 1; printf 'NOOP\\n'; sleep 0.5) | "
            + "openssl s_client -starttls smtp -connect 127.0.0.1:\(listener.port) -tls1_2 -crlf 2>&1"
        let result = try Subprocess.run("/bin/sh", ["-c", script])
        #expect(result.output.contains("RENEGOTIATING"))
        #expect(result.output.contains("no renegotiation"), "\(result.output)")
        #expect(!result.output.contains("250 2.0.0 Ok"), "nothing may be answered after the refused renegotiation")
    }

    @Test("after the client closes TLS, plaintext on the same connection is never read: the server closes")
    func plaintextAfterTLSClose() throws {
        let listener = try LiveListener().start()
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        #expect(try client.command("STARTTLS").code == 220)
        try client.startTLS()
        #expect(try client.command("EHLO c").code == 250)
        try client.closeTLSThenSendPlaintext("EHLO plain.test\r\nMAIL FROM:<a@c.test>\r\n")
        let raw = try client.readRawUntilClosed()
        // Only TLS records (our close_notify: an alert, encrypted in TLS 1.3), never an SMTP reply in clear.
        #expect(Self.isOnlyTLSRecords(raw), "plaintext after TLS: \(String(decoding: raw, as: UTF8.self))")
        #expect(listener.waitForLog("result=client closed TLS"))
    }

    @Test("the tenth bad command closes the session with 421")
    func errorLimit() throws {
        let listener = try LiveListener().start()
        let client = try RawSMTPClient(port: listener.port)
        _ = try client.reply()
        try client.send(String(repeating: "XYZZY\r\n", count: 10))
        let rest = try client.readUntilClosed()
        #expect(rest.components(separatedBy: "500 5.5.2").count - 1 == 10)
        #expect(rest.contains("421 4.7.0"))
    }

    /// True when `bytes` is a sequence of whole TLS records (alert or application data, TLS 1.2 record version).
    static func isOnlyTLSRecords(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            guard index + 5 <= bytes.count, [0x15, 0x17].contains(bytes[index]), bytes[index + 1] == 0x03 else {
                return false
            }
            index += 5 + Int(bytes[index + 3]) << 8 + Int(bytes[index + 4])
        }
        return index == bytes.count
    }
}
