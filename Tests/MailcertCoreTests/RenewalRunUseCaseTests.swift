import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

@testable import MailcertCore

/// `RenewalRun` against the in-memory store: what a run does after a renewal (deploy, hooks, proofs) and around
/// it (the run lock, the metrics), with a scripted probe and process runner.
@Suite struct RenewalRunUseCaseTests {
    let world = UseCaseWorld()
    var store: InMemoryCertificateStore { world.store }
    var probe: ScriptedProbe { world.probe }
    var runner: ScriptedRunner { world.runner }
    var now: Date { world.now }
    var steps: DeployAndProve { world.steps }

    func run(hooks: URL = URL(fileURLWithPath: "/nonexistent")) -> RenewalRun {
        RenewalRun(names: nil, hooks: HookRunner(directory: hooks, timeout: .seconds(5)))
    }

    /// Version 1 bound to smtp and dovecot as enable leaves them, then version 2 "renewed" into service.
    func boundAndRenewed(root: TemporaryDirectory) throws -> (old: StoredVersion, new: StoredVersion) {
        func issue() throws -> StoredVersion {
            try SelfSignedIssuance(
                name: "mx1", hostnames: ["mx1.example.com"], key: .generate(.ecdsaP256), days: 90, force: true
            ).run(store: store, now: now)
        }
        let old = try issue()
        var enable = Enable(certificate: .name("mx1"), services: [.smtp, .dovecot])
        enable.deploySettings[.dovecot] = DeploySettings(
            root: root.url.path, configDirectory: root.path("etc/dovecot"), templates: repositoryTemplates.path,
            reloadHook: "/reload-dovecot")
        _ = try enable.run(store: store, steps: steps, now: now, progress: .silent)
        return (old, try issue())
    }

    @Test func aRenewedVersionIsDeployedToEachBoundDaemonAndProvenEverywhere() throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        let (_, new) = try boundAndRenewed(root: root)
        let before = (probe.asked.count, runner.calls.count)

        let problems = run().followUp("mx1", store: store, steps: steps, .silent)

        #expect(problems.isEmpty)
        #expect(runner.calls.count == before.1 + 1, "dovecot reloaded once")
        let key = root.url.appendingPathComponent("etc/mailcert/dovecot/mx1/key.pem")
        #expect(try Data(contentsOf: key) == Data(new.keyPEM))
        let sha = try new.certificate().sha256Thumbprint
        #expect(
            probe.asked.dropFirst(before.0).map { [$0.sha256, $0.target] }.sorted { $0[1] < $1[1] } == [
                [sha, "127.0.0.1:25"], [sha, "127.0.0.1:993"],
            ])
        #expect(probe.asked.last?.ehloName == "mx1.test", "renewal proves with the same EHLO name as enable")
    }

    @Test func aFailedRedeployIsAProblemAndThatDaemonIsNotProven() throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        let (old, _) = try boundAndRenewed(root: root)
        let before = probe.asked.count
        runner.exit(1, 0)

        let problems = run().followUp("mx1", store: store, steps: steps, .silent)

        #expect(problems.count == 1)
        #expect(problems.first?.contains("mx1: dovecot: redeploy of version 2 failed") == true)
        let key = root.url.appendingPathComponent("etc/mailcert/dovecot/mx1/key.pem")
        #expect(try Data(contentsOf: key) == Data(old.keyPEM), "dovecot keeps the files it served")
        #expect(probe.asked.dropFirst(before).map(\.target) == ["127.0.0.1:25"], "only smtp is proven")
    }

    @Test func aServiceThatDoesNotServeTheRenewedCertificateFailsTheRun() throws {
        let root = try TemporaryDirectory("mailcert-renewal-run")
        _ = try boundAndRenewed(root: root)
        probe.answer(.failed(lastSeen: "127.0.0.1:25 served something else"))

        let problems = run().followUp("mx1", store: store, steps: steps, .silent)

        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.contains("did not serve the renewed certificate") })
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
        let report = try await run().run(
            store: store, transport: { _ in fatalError("no CA is asked") }, steps: steps, now: { now },
            progress: said.reporter)
        #expect(report.results.isEmpty && !report.failed)
        #expect(said.all.first?.contains("nothing to renew") == true)
        #expect(store.metricsExposition?.contains("mailcert_certificate_not_after_seconds{name=\"plain\"}") == true)
    }
}
