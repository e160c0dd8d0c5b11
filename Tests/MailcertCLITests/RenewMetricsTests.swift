import Foundation
import MailcertTestSupport
import Testing

@Suite("renew writes the metrics file")
struct RenewMetricsTests {
    private func metrics(_ mailcert: MailcertRunner) throws -> String {
        try String(contentsOfFile: mailcert.state.path("state/metrics/mailcert.prom"), encoding: .utf8)
    }

    @Test("a run with nothing to renew still reports every certificate's expiry")
    func nothingToRenew() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed"]).status == 0)
        let result = try mailcert.run(["renew", "--no-random-sleep"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stderr.contains("nothing to renew"))
        let text = try metrics(mailcert)
        #expect(text.contains("# TYPE mailcert_certificate_not_after_seconds gauge\n"))
        #expect(text.contains("mailcert_certificate_not_after_seconds{name=\"mx1.example.test\"} "))
        #expect(!text.contains("mailcert_renewal_"), "a self-signed certificate has no renewal history")
        #expect(try mailcert.mode(mailcert.state.path("state/metrics/mailcert.prom")) == 0o644)
    }

    @Test("a failed renewal of a certificate renew does not look after changes the exit status, not the metrics")
    func failedRenewal() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed"]).status == 0)
        let result = try mailcert.run(["renew", "--name", "mx1.example.test", "--no-random-sleep"])
        #expect(result.status == 1)
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
        #expect(try metrics(mailcert).contains("mailcert_certificate_not_after_seconds{name=\"mx1.example.test\"} "))
    }

    @Test("--metrics-file writes the same exposition where the node exporter reads, 0644, with nothing left beside it")
    func metricsCopy() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed"]).status == 0)
        let exporter = mailcert.state.path("node-exporter")
        try FileManager.default.createDirectory(atPath: exporter, withIntermediateDirectories: true)
        let copy = "\(exporter)/mailcert.prom"
        let result = try mailcert.run(["renew", "--no-random-sleep", "--metrics-file", copy])
        #expect(result.status == 0, "\(result.output)")
        #expect(try String(contentsOfFile: copy, encoding: .utf8) == (try metrics(mailcert)))
        #expect(try metrics(mailcert).contains("mailcert_certificate_not_after_seconds{name=\"mx1.example.test\"} "))
        #expect(try mailcert.mode(copy) == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: exporter) == ["mailcert.prom"])

        // A copy that cannot be written is a warning naming it; the store's file is still written and renew succeeds.
        let missing = mailcert.state.path("no-such-directory/mailcert.prom")
        let warned = try mailcert.run(["renew", "--no-random-sleep", "--metrics-file", missing])
        #expect(warned.status == 0, "\(warned.output)")
        #expect(warned.stderr.contains("mailcert: warning: "), "\(warned.stderr)")
        #expect(warned.stderr.contains("\(missing) keeps the values of the previous run"), "\(warned.stderr)")
    }

    @Test("with JOURNAL_STREAM set every diagnostic line carries its priority; without it nothing changes")
    func journalPriorities() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed"]).status == 0)
        let journal = ["JOURNAL_STREAM": "8:1234"]
        // A note (nothing to renew: <5>) and a warning (a metrics copy that cannot be written: <4>).
        let unwritable = ["renew", "--no-random-sleep", "--metrics-file", mailcert.state.path("none/mailcert.prom")]
        let renew = try mailcert.run(unwritable, environment: journal)
        #expect(renew.status == 0, "\(renew.output)")
        let lines = renew.stderr.split(separator: "\n")
        #expect(lines.first?.hasPrefix("<5>mailcert: no ACME certificates in ") == true, "\(renew.stderr)")
        #expect(lines.contains { $0.hasPrefix("<4>mailcert: warning: ") }, "\(renew.stderr)")
        // An error, as every command prints one: <3>.
        let error = try mailcert.run(["check", "--cert", "/nonexistent/cert.pem"], environment: journal)
        #expect(error.stderr.hasPrefix("<3>mailcert: error: "), "\(error.stderr)")
        for line in lines + error.stderr.split(separator: "\n") {
            #expect(line.range(of: #"^<[3-6]>mailcert: "#, options: .regularExpression) != nil, "\(line)")
        }

        let plain = try mailcert.run(unwritable)
        #expect(plain.stderr.hasPrefix("mailcert: no ACME certificates in "), "\(plain.stderr)")
        #expect(plain.stderr.contains("\nmailcert: warning: "), "\(plain.stderr)")
        #expect(!plain.stderr.contains("<"), "\(plain.stderr)")
    }

    @Test("an empty store directory gets no metrics directory")
    func noState() throws {
        let mailcert = try MailcertRunner()
        let result = try mailcert.run(["renew", "--no-random-sleep"])
        #expect(result.status == 0, "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: mailcert.state.path("state/metrics")))
    }
}
