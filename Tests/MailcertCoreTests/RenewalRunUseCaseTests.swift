import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

@testable import MailcertCore

/// `RenewalRun` against the in-memory store: what a run does after a renewal (deploy, hooks, proofs) and around
/// it (the run lock, the metrics), with a scripted probe and process runner.
@Suite struct RenewalRunUseCaseTests: UseCaseSuite {
    let world = UseCaseWorld()

    func run(dryRun: Bool = false) -> RenewalRun {
        var run = RenewalRun(names: nil, hooks: HookRunner(directory: URL(fileURLWithPath: "/nonexistent"), timeout: .seconds(5)))
        run.dryRun = dryRun
        return run
    }

    /// A run with nothing due: no CA is ever asked.
    func renew(dryRun: Bool = false, _ said: CollectedReport = CollectedReport()) async throws -> RenewalRun.Report {
        try await run(dryRun: dryRun).run(
            store: store, transport: { _ in fatalError("no CA is asked") }, steps: steps, now: { now },
            progress: said.reporter)
    }

    /// Version 1 bound to smtp (a `serve` of this process listening on 127.0.0.1:2525) and to dovecot, as enable
    /// leaves them; then version 2 put in service (a renewal, an import) behind their back.
    func boundThenReplaced(root: TemporaryDirectory) throws -> (old: StoredVersion, new: StoredVersion) {
        let old = try issue(force: true)
        try ListenerEndpoints.register(
            [.init(endpoint: "127.0.0.1:2525", kind: .starttls, pid: getpid())], pid: getpid(), in: store)
        var enable = Enable(certificate: .name("mx1"), services: [.smtp, .dovecot])
        enable.deploySettings[.dovecot] = staged(.dovecot, root: root, config: "dovecot")
        _ = try enable.run(store: store, steps: steps, now: now, progress: .silent)
        return (old, try issue(force: true))
    }

    func status(_ service: String) throws -> ServiceStatus? {
        try ServiceStatus.all(in: store).first { $0.service == service }
    }

    @Test func everyBoundServiceIsBroughtToCurrentEvenWithNothingDue() async throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        let (_, new) = try boundThenReplaced(root: root)
        #expect(try status("dovecot")?.label == "dovecot (serving v1, current v2)")
        #expect(try status("smtp")?.label == "smtp (serving v1, current v2)")
        let before = (probe.asked.count, runner.calls.count)

        let report = try await renew()

        #expect(!report.failed)
        #expect(report.services.map(\.action) == [.redeployed, .proven], "\(report.services)")
        #expect(runner.calls.count == before.1 + 1, "dovecot reloaded once")
        let key = root.url.appendingPathComponent("etc/mailcert/dovecot/mx1/key.pem")
        #expect(try Data(contentsOf: key) == Data(new.keyPEM))
        let sha = try new.certificate().sha256Thumbprint
        #expect(
            probe.asked.dropFirst(before.0).map { [$0.sha256, $0.target] } == [
                [sha, "127.0.0.1:993"], [sha, "127.0.0.1:2525"],
            ])
        #expect(probe.asked.last?.ehloName == "mx1.test", "renewal proves with the same EHLO name as enable")
        #expect(try ServiceStatus.all(in: store).allSatisfy { !$0.stale })
        #expect(store.metricsExposition?.contains(#"mailcert_service_stale{name="mx1",service="dovecot"} 0"#) == true)

        // Converged: the next run has nothing to do.
        let again = try await renew()
        #expect(again.services.map(\.action) == [.upToDate, .upToDate])
        #expect(runner.calls.count == before.1 + 1 && probe.asked.count == before.0 + 2)
    }

    @Test func aFailedReloadIsRetriedByTheNextRunUntilTheDaemonServesCurrent() async throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        let (old, new) = try boundThenReplaced(root: root)
        runner.exit(1, 0)  // the reload fails, the reload with the previous files works
        let before = probe.asked.count

        let failed = try await renew()

        #expect(failed.failed)
        let dovecot = try #require(failed.services.first { $0.service == "dovecot" })
        #expect(dovecot.action == .failed)
        #expect(dovecot.text?.contains("mx1: dovecot: redeploy of version 2 failed") == true)
        let key = root.url.appendingPathComponent("etc/mailcert/dovecot/mx1/key.pem")
        #expect(try Data(contentsOf: key) == Data(old.keyPEM), "dovecot keeps the files it served")
        #expect(probe.asked.dropFirst(before).map(\.target) == ["127.0.0.1:2525"], "only smtp is proven")
        #expect(try status("dovecot")?.stale == true)
        #expect(try status("dovecot")?.label == "dovecot (serving v1, current v2)")
        #expect(store.metricsExposition?.contains(#"mailcert_service_stale{name="mx1",service="dovecot"} 1"#) == true)

        let retried = try await renew()

        #expect(!retried.failed)
        #expect(retried.services.map(\.action) == [.redeployed, .upToDate])
        #expect(try Data(contentsOf: key) == Data(new.keyPEM))
        #expect(try status("dovecot")?.stale == false)
    }

    @Test func aServiceThatDoesNotServeCurrentFailsTheRunAndStaysStale() async throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        _ = try boundThenReplaced(root: root)
        probe.answer(.failed(lastSeen: "127.0.0.1:2525 served something else"))

        let report = try await renew()

        #expect(report.failed)
        #expect(report.services.allSatisfy { $0.action == .failed })
        #expect(report.services.allSatisfy { $0.text?.contains("did not serve version 2") == true })
        #expect(try status("smtp")?.reason?.contains("served something else") == true)
    }

    @Test func aDryRunSaysWhatItWouldRedeployAndChangesNothing() async throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        _ = try boundThenReplaced(root: root)
        let records = try store.deployRecords()
        let before = (probe.asked.count, runner.calls.count)

        let report = try await renew(dryRun: true)

        #expect(report.services.map(\.action) == [.wouldUpdate, .wouldUpdate])
        #expect(report.services.first?.text?.contains("would redeploy version 2") == true)
        #expect((probe.asked.count, runner.calls.count) == before)
        #expect(try store.deployRecords() == records)
    }

    @Test func aListenerWhoseProcessIsGoneIsIgnoredWithANote() async throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        _ = try boundThenReplaced(root: root)
        try store.write { writer in
            try writer.saveListenerEndpoints(.init(listeners: [.init(endpoint: "127.0.0.1:2525", kind: .starttls, pid: 2_000_000_000)]))
        }
        let said = CollectedReport()

        let report = try await renew(said)

        #expect(said.all.contains { $0.contains("the listener at 127.0.0.1:2525 (pid 2000000000) is gone; its record is ignored") })
        #expect(report.services.first { $0.service == "smtp" }?.action == .upToDate, "nowhere to prove it")
    }

    @Test func oneRunAtATime() throws {
        do {
            let first = try store.holdRenewalRun()
            #expect(throws: MailcertError.self) { _ = try store.holdRenewalRun() }
            withExtendedLifetime(first) {}
        }
        _ = try store.holdRenewalRun()  // released with the first run
    }

    @Test func aRunWithNothingToRenewStillWritesTheMetrics() async throws {
        _ = try SelfSignedIssuance(
            name: "plain", hostnames: ["plain.example.com"], key: .generate(.ecdsaP256), days: 90, force: false
        ).run(store: store, now: now)
        let said = CollectedReport()
        let report = try await renew(said)
        #expect(report.certificates.isEmpty && !report.failed)
        #expect(said.all.first?.contains("nothing to renew") == true)
        #expect(store.metricsExposition?.contains("mailcert_certificate_not_after_seconds{name=\"plain\"}") == true)
    }

    @Test func aDamagedBindingsFileIsSaidAndDoesNotStopTheRun() async throws {
        let fixture = try StoreFixture()
        try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now)
        try Data("{not json".utf8).write(to: fixture.paths.bindings)
        let said = CollectedReport()

        let report = try await run().run(
            store: fixture.store, transport: { _ in fatalError("no CA is asked") }, steps: steps, now: { now },
            progress: said.reporter)

        #expect(report.services.isEmpty)
        #expect(said.all.contains { $0.hasPrefix("warning: ") && $0.contains("bindings.json") }, "\(said.all)")
    }
}
