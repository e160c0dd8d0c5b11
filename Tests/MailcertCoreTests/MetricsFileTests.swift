import Foundation
@testable import MailcertCore
import MailcertTestSupport
import Testing

@Suite("Metrics file")
struct MetricsFileTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func read(_ fixture: StoreFixture) throws -> (text: String, metrics: ParsedMetrics) {
        let text = try String(contentsOf: fixture.paths.metricsExposition, encoding: .utf8)
        return (text, try ParsedMetrics.parse(text))
    }

    private func seconds(_ date: Date) -> Double { date.timeIntervalSince1970.rounded(.down) }

    /// A version in service plus renewal options: what `renew` treats as an ACME certificate (no CA needed here).
    @discardableResult
    private func acme(_ fixture: StoreFixture, _ name: String, now: Date? = nil) throws -> StoredVersion {
        let version = try fixture.selfSigned(name, hosts: ["\(name).example.com"], now: now ?? self.now)
        try Data("{}".utf8).write(to: fixture.paths.renewalOptions(name))
        return version
    }

    @Test("every certificate in service has its expiry; those renew decided on have attempt, result and success")
    func contents() throws {
        let fixture = try StoreFixture()
        let mx1 = try acme(fixture, "mx1")
        let mx2 = try acme(fixture, "mx2", now: now.addingTimeInterval(-86400))
        _ = try SigningRequest(name: "pending", hostnames: ["p.example.com"], key: .generate(.ecdsaP256), force: false)
            .run(store: fixture.store, csrFile: nil, now: now)
        try MetricsFile.update(
            store: fixture.store, attempts: [RenewalAttempt(name: "mx1", result: .renewed)], now: now)

        let (_, metrics) = try read(fixture)
        #expect(
            metrics.families == [
                "mailcert_certificate_not_after_seconds", "mailcert_renewal_last_attempt_seconds",
                "mailcert_renewal_last_result", "mailcert_renewal_last_success_seconds",
            ])
        #expect(metrics.families.allSatisfy { metrics.types[$0] == "gauge" && metrics.help[$0]?.isEmpty == false })
        #expect(
            metrics.series("mailcert_certificate_not_after_seconds") == [
                .init(name: "mailcert_certificate_not_after_seconds", labels: ["name": "mx1"]): seconds(
                    mx1.metadata.notAfter),
                .init(name: "mailcert_certificate_not_after_seconds", labels: ["name": "mx2"]): seconds(
                    mx2.metadata.notAfter),
            ])
        #expect(metrics.value("mailcert_renewal_last_attempt_seconds", ["name": "mx1"]) == seconds(now))
        #expect(metrics.value("mailcert_renewal_last_result", ["name": "mx1", "result": "renewed"]) == 1)
        #expect(metrics.value("mailcert_renewal_last_result", ["name": "mx1", "result": "not_due"]) == 0)
        #expect(metrics.value("mailcert_renewal_last_result", ["name": "mx1", "result": "failed"]) == 0)
        #expect(metrics.value("mailcert_renewal_last_success_seconds", ["name": "mx1"]) == seconds(now))
        // mx2 was not tried, the pending CSR has nothing in service: no renewal series, no expiry.
        #expect(
            metrics.samples.keys.filter { $0.labels["name"] != "mx1" }.map(\.name) == [
                "mailcert_certificate_not_after_seconds"
            ])
        #expect(metrics.samples.count == 2 + 1 + 3 + 1)
    }

    @Test("a run keeps what earlier runs recorded for the certificates it did not try")
    func history() throws {
        let fixture = try StoreFixture()
        for name in ["mx1", "mx2"] { try acme(fixture, name) }
        let (t1, t2, t3) = (now, now.addingTimeInterval(43200), now.addingTimeInterval(86400))
        try MetricsFile.update(
            store: fixture.store,
            attempts: [.init(name: "mx1", result: .renewed), .init(name: "mx2", result: .failed)], now: t1)
        try MetricsFile.update(store: fixture.store, attempts: [.init(name: "mx2", result: .notDue)], now: t2)
        try MetricsFile.update(store: fixture.store, attempts: [.init(name: "mx2", result: .failed)], now: t3)

        let parsed = try read(fixture).metrics
        #expect(parsed.value("mailcert_renewal_last_attempt_seconds", ["name": "mx1"]) == seconds(t1))
        #expect(parsed.value("mailcert_renewal_last_result", ["name": "mx1", "result": "renewed"]) == 1)
        #expect(parsed.value("mailcert_renewal_last_success_seconds", ["name": "mx1"]) == seconds(t1))
        #expect(parsed.value("mailcert_renewal_last_attempt_seconds", ["name": "mx2"]) == seconds(t3))
        #expect(parsed.value("mailcert_renewal_last_result", ["name": "mx2", "result": "failed"]) == 1)
        #expect(parsed.value("mailcert_renewal_last_result", ["name": "mx2", "result": "not_due"]) == 0)
        // The failure at t3 does not erase the success at t2: "failing since t2" is what an alert needs.
        #expect(parsed.value("mailcert_renewal_last_success_seconds", ["name": "mx2"]) == seconds(t2))
    }

    @Test("a certificate that never succeeded has no last-success series")
    func neverSucceeded() throws {
        let fixture = try StoreFixture()
        try acme(fixture, "mx1")
        try MetricsFile.update(
            store: fixture.store, attempts: [.init(name: "mx1", result: .failed)], now: now)
        let parsed = try read(fixture).metrics
        #expect(parsed.series("mailcert_renewal_last_success_seconds").isEmpty)
        #expect(parsed.value("mailcert_renewal_last_result", ["name": "mx1", "result": "failed"]) == 1)
    }

    @Test("the file is replaced in one rename: 0644 in a 0755 directory, no temporary file left")
    func atomicReplace() throws {
        let fixture = try StoreFixture()
        try acme(fixture, "mx1")
        try MetricsFile.update(store: fixture.store, attempts: [], now: now)
        let firstInode = try inode(fixture.paths.metricsExposition)
        try MetricsFile.update(store: fixture.store, attempts: [.init(name: "mx1", result: .notDue)], now: now)
        #expect(try inode(fixture.paths.metricsExposition) != firstInode, "rewritten in place, not renamed into place")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: fixture.paths.metrics.path).sorted() == [
                "mailcert.prom", "state.json",
            ])
        #expect(try fixture.mode(fixture.paths.metricsExposition) == 0o644)
        #expect(try fixture.mode(fixture.paths.metrics) == 0o755)
        #expect(
            try read(fixture).metrics.value("mailcert_renewal_last_result", ["name": "mx1", "result": "not_due"]) == 1)
    }

    @Test("label values escape backslash, double quote and newline, and read back to the name")
    func escaping() throws {
        let name = "we\"ird\\na\nme"
        var state = MetricsState()
        state.record(RenewalAttempt(name: name, result: .failed), at: now)
        let text = MetricsFile.render(notAfter: [name: now, "plain": now], state: state)
        #expect(text.contains(#"mailcert_certificate_not_after_seconds{name="we\"ird\\na\nme"} 1800000000"#))
        let parsed = try ParsedMetrics.parse(text)
        #expect(parsed.value("mailcert_certificate_not_after_seconds", ["name": name]) == seconds(now))
        #expect(parsed.value("mailcert_renewal_last_result", ["name": name, "result": "failed"]) == 1)
        #expect(text.split(separator: "\n").count == (2 + 2) + (2 + 1) + (2 + 3), "one line per sample: no raw newline")
    }

    @Test("the strict parser refuses what a collector would choke on")
    func parserIsStrict() {
        let bad = [
            "# TYPE m gauge\nm{name=\"a\"} 1",  // no final newline
            "m 1\n",  // no TYPE
            "# TYPE m gauge\nm{name=\"a\"b\"} 1\n",  // unescaped quote
            "# TYPE m gauge\nm{name=\"a\",} 1\n",  // trailing comma
            "# TYPE m gauge\nm{name=\"a\"} 1\nm{name=\"a\"} 2\n",  // duplicate series
            "# TYPE m gauge\n# TYPE n gauge\nn 1\nm 1\n",  // family split
            "# TYPE m gauge\nm{name=\"a\\t\"} 1\n",  // unknown escape
        ]
        for text in bad { #expect(throws: ParsedMetrics.Failure.self, "\(text)") { try ParsedMetrics.parse(text) } }
    }

    @Test("a certificate that is not an ACME one keeps expiry only: a failed 'renew --name' on it leaves no alert")
    func nonACME() throws {
        let fixture = try StoreFixture()
        let version = try fixture.selfSigned("self", hosts: ["self.example.com"], now: now)
        try MetricsFile.update(
            store: fixture.store, attempts: [.init(name: "self", result: .failed)], now: now)
        let parsed = try read(fixture).metrics
        #expect(
            parsed.samples == [
                .init(name: "mailcert_certificate_not_after_seconds", labels: ["name": "self"]): seconds(
                    version.metadata.notAfter)
            ])
    }

    @Test("certificates gone from the store are dropped from the history and the file")
    func removedCertificates() throws {
        let fixture = try StoreFixture()
        for name in ["mx1", "mx2"] { try acme(fixture, name) }
        try MetricsFile.update(
            store: fixture.store,
            attempts: [.init(name: "mx1", result: .renewed), .init(name: "mx2", result: .renewed)], now: now)
        try FileManager.default.removeItem(at: fixture.paths.certificate("mx2"))
        try MetricsFile.update(store: fixture.store, attempts: [], now: now)
        let parsed = try read(fixture).metrics
        #expect(Set(parsed.samples.keys.compactMap { $0.labels["name"] }) == ["mx1"])
        let state = try String(contentsOf: fixture.paths.metrics.appendingPathComponent("state.json"), encoding: .utf8)
        #expect(!state.contains("mx2"))
    }

    @Test("a damaged state.json is reported, and both files are written afresh")
    func damagedState() throws {
        let fixture = try StoreFixture()
        try acme(fixture, "mx1")
        try FileManager.default.createDirectory(at: fixture.paths.metrics, withIntermediateDirectories: true)
        let stateFile = fixture.paths.metrics.appendingPathComponent("state.json")
        try Data("{\"certificates\": [".utf8).write(to: stateFile)
        var notes: [String] = []
        try MetricsFile.update(store: fixture.store, attempts: [.init(name: "mx1", result: .notDue)], now: now) {
            notes.append($0)
        }
        #expect(notes.count == 1)
        #expect(notes.first?.hasPrefix("\(stateFile.path) is unreadable (") == true)
        #expect(notes.first?.hasSuffix("earlier renewal history is lost, starting afresh") == true)
        #expect(
            try read(fixture).metrics.value("mailcert_renewal_last_result", ["name": "mx1", "result": "not_due"]) == 1)
    }

    @Test("without a state directory nothing is written")
    func noStateDirectory() throws {
        let directory = try TemporaryDirectory("mailcert-metrics")
        let store = FileCertificateStore(paths: StatePaths(root: directory.url.appendingPathComponent("state")))
        try MetricsFile.update(store: store, attempts: [], now: now)
        #expect(!FileManager.default.fileExists(atPath: store.paths.root.path))
    }

    private func inode(_ url: URL) throws -> UInt64 {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw MailcertError(.io, "cannot stat \(url.path)") }
        return UInt64(info.st_ino)
    }
}
