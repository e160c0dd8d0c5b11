import Foundation
import MailcertTestSupport
import Testing

/// `--require-tls` on a live listener, next to an opportunistic `--listen` port of the same process.
@Suite("Listener: TLS required per port")
struct RequiredTLSListenerTests {
    @Test("a raw session gets 530 for MAIL before STARTTLS and delivers after it; the opportunistic port still takes clear mail")
    func rawSession() throws {
        let requiredPort = FreePort.pick()
        let listener = try LiveListener().start(["--require-tls", "127.0.0.1:\(requiredPort)"])
        try FreePort.waitUntilListening(requiredPort, server: listener.process)
        let client = try RawSMTPClient(port: requiredPort)
        #expect(try client.reply().code == 220)
        #expect(try client.command("EHLO c.test").code == 250)
        let refused = try client.command("MAIL FROM:<a@c.test>")
        #expect(refused.code == 530)
        #expect(refused.lines.last == "5.7.0 Must issue a STARTTLS command first")
        #expect(try client.command("STARTTLS").code == 220)
        try client.startTLS()
        #expect(try client.command("EHLO c.test").code == 250)
        #expect(try client.command("MAIL FROM:<a@c.test>").code == 250)
        #expect(try client.command("RCPT TO:<b@mx.listener.test>").code == 250)
        #expect(try client.command("DATA").code == 354)
        #expect(try client.command("Subject: inside TLS\r\n\r\nhi\r\n.").code == 250)
        #expect(listener.delivered().count == 1)
        #expect(listener.waitForLog("listening on 127.0.0.1:\(requiredPort) (STARTTLS required)"))
        #expect(listener.log.contains("listening on 127.0.0.1:\(listener.port) (STARTTLS opportunistic)"))
    }

    @Test("swaks without TLS is refused on the required port and delivers with --tls")
    func swaks() throws {
        let requiredPort = FreePort.pick()
        let listener = try LiveListener().start(["--require-tls", "127.0.0.1:\(requiredPort)"])
        try FreePort.waitUntilListening(requiredPort, server: listener.process)
        let common = ["--server", "127.0.0.1:\(requiredPort)", "--from", "a@c.test", "--to", "b@mx.listener.test"]
        let plain = try Subprocess.run("/usr/bin/swaks", common)
        #expect(plain.status != 0)
        #expect(plain.output.contains("530 5.7.0 Must issue a STARTTLS command first"))
        #expect(listener.delivered().isEmpty)
        let secured = try Subprocess.run("/usr/bin/swaks", common + ["--tls"])
        #expect(secured.status == 0, "\(secured.output)")
        #expect(listener.delivered().count == 1)
        #expect(listener.delivered().first?.contains("(using TLSv1.3 with cipher") == true)
    }
}
