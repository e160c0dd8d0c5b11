import Foundation
import MailcertTestSupport
import Testing

/// `mailcert serve` as a systemd unit runs it: with JOURNAL_STREAM set its log lines carry sd-daemon priorities and
/// leave the timestamp to the journal; without it, swift-log's stream format is unchanged.
@Suite("serve logs to the journal")
struct ServeJournalTests {
    /// One session (connect, QUIT) and the listener's log once it has stopped, line by line.
    private func logLines(_ environment: [String: String]) throws -> [Substring] {
        // No certificate: the start warns (STARTTLS not offered), so a warning is among the lines.
        let listener = try LiveListener(certificates: [])
        try listener.start(serving: [], environment: environment)
        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        #expect(try client.command("QUIT").code == 221)
        #expect(listener.waitForLog(" session"), "\(listener.log)")
        listener.stop()
        return listener.log.split(separator: "\n")
    }

    @Test("JOURNAL_STREAM set: every line starts <N>level with N from the level, and carries no timestamp")
    func journal() throws {
        let lines = try logLines(["JOURNAL_STREAM": "8:1234"])
        #expect(!lines.isEmpty)
        // swift-log's level, then its syslog priority: critical and error 3, warning 4, notice 5, info 6, debug 7.
        let allowed = ["<3>critical ", "<3>error ", "<4>warning ", "<5>notice ", "<6>info ", "<7>debug ", "<7>trace "]
        for line in lines {
            #expect(allowed.contains { line.hasPrefix($0) }, "\(line)")
            #expect(line.range(of: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"#, options: .regularExpression) == nil, "\(line)")
        }
        // No certificate: a warning from the start and an error from the listener; notices; one info per session.
        for prefix in ["<3>error ", "<4>warning ", "<5>notice ", "<6>info "] {
            #expect(lines.contains { $0.hasPrefix(prefix) }, "\(prefix): \(lines)")
        }
        #expect(lines.contains { $0.hasPrefix("<6>info mailcert.serve:") && $0.hasSuffix(" session") }, "\(lines)")
    }

    @Test("JOURNAL_STREAM unset: swift-log's lines as before, timestamp first, no priority prefix")
    func plain() throws {
        let lines = try logLines([:])
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"#, options: .regularExpression) != nil, "\(line)")
            #expect(!line.hasPrefix("<"), "\(line)")
        }
    }
}
