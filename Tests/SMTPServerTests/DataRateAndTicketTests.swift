import Foundation
import MailcertTestSupport
import Testing

/// The DATA deadline follows the data rate, and TLS session tickets let a client resume.
@Suite("Listener: data rate and session tickets")
struct DataRateAndTicketTests {
    @Test("DATA below the minimum rate is cut off with 421; a big message sent quickly outlasts the command timeout")
    func minimumDataRate() throws {
        let listener = try LiveListener().start(["--command-timeout", "1", "--min-data-rate", "1000"])
        let fast = try RawSMTPClient(port: listener.port)
        _ = try fast.reply()
        try fast.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.listener.test>\r\nDATA\r\n")
        #expect(try fast.replies(4) == [250, 250, 250, 354])
        // 1.5 MB in 30 chunks with pauses: 2+ s in all, past the 1 s command timeout, but far above 1000 octets/s.
        let line = String(repeating: "x", count: 998) + "\r\n"
        for _ in 0..<30 {
            try fast.send(String(repeating: line, count: 50))
            usleep(70_000)
        }
        #expect(try fast.command(".").code == 250)

        let slow = try RawSMTPClient(port: listener.port)
        _ = try slow.reply()
        try slow.send("EHLO c\r\nMAIL FROM:<a@c.test>\r\nRCPT TO:<b@mx.listener.test>\r\nDATA\r\n")
        #expect(try slow.replies(4) == [250, 250, 250, 354])
        var cutOff = false
        for _ in 0..<60 {  // 10 octets per 0.1 s = 100 octets/s for up to 6 s
            do { try slow.send("0123456789") } catch {
                cutOff = true
                break
            }
            if let reply = try? slow.reply(within: .milliseconds(100)) {
                #expect(reply.code == 421)
                cutOff = true
                break
            }
        }
        #expect(cutOff, "a client sending 100 octets/s outlived a 1000 octets/s minimum")
        #expect(listener.waitForLog("result=timeout in DATA"))
        #expect(listener.delivered().count == 1)
    }

    @Test("session tickets are on: a second TLS 1.3 connection resumes the first session")
    func ticketsResume() throws {
        let listener = try LiveListener().start()
        let session = listener.runner.state.path("tls-session.pem")
        let first = try SClient.run(port: listener.port, ["-sess_out", session])
        #expect(first.output.contains("New, TLSv1.3"), "\(first.output)")
        let second = try SClient.run(port: listener.port, ["-sess_in", session])
        #expect(second.output.contains("Reused, TLSv1.3"), "\(second.output)")
    }
}
