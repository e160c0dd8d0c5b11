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

    @Test("an empty store directory gets no metrics directory")
    func noState() throws {
        let mailcert = try MailcertRunner()
        let result = try mailcert.run(["renew", "--no-random-sleep"])
        #expect(result.status == 0, "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: mailcert.state.path("state/metrics")))
    }
}
