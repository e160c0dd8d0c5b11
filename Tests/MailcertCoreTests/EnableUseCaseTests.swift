import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Testing

/// `Enable` against the in-memory store, with a scripted probe and process runner: no binary, no sockets.
@Suite struct EnableUseCaseTests: UseCaseSuite {
    let world = UseCaseWorld()

    @Test func bindsRecordsWhereAndProvesTheCheckedVersion() throws {
        let version = try issue("mx1", hosts: ["mx1.example.com"])
        var enable = Enable(certificate: .name("mx1"), services: [.smtp, .submission])
        enable.hostnames = ["mx1.example.com"]
        let report = try enable.run(store: store, steps: steps, now: now, progress: .silent)

        #expect(try store.bindings().services == ["smtp": "mx1", "submission": "mx1"])
        #expect(try store.proofTargets().targets.isEmpty, "the listener's services are proven where serve listens")
        let sha = try version.certificate().sha256Thumbprint
        #expect(
            probe.asked == [
                .init(sha256: sha, target: "127.0.0.1:25", serverName: "mx1.example.com", ehloName: "mx1.test"),
                .init(sha256: sha, target: "127.0.0.1:465", serverName: "mx1.example.com", ehloName: "mx1.test"),
            ])
        #expect(report.proofs.map(\.proven) == [true, true])
        #expect(report.services.map(\.previous) == [nil, nil])
        #expect(runner.calls.isEmpty, "the bundled listener needs no deploy")
    }

    @Test func theListenerIsProvenWhereServeSaysItListensAndConnectOverrides() throws {
        try issue("mx1", hosts: ["mx1.example.com"])
        try ListenerEndpoints.register(
            [
                .init(endpoint: "0.0.0.0:2525", kind: .starttls, pid: getpid()),
                .init(endpoint: "[::1]:4650", kind: .implicitTLS, pid: getpid()),
            ], pid: getpid(), in: store)
        let said = CollectedReport()
        _ = try Enable(certificate: .name("mx1"), services: [.smtp, .submission])
            .run(store: store, steps: steps, now: now, progress: said.reporter)
        #expect(probe.asked.map(\.target) == ["127.0.0.1:2525", "[::1]:4650"])
        #expect(try store.deployRecords().services["smtp"]?.provenVersion == 1)

        var explicit = Enable(certificate: .name("mx1"), services: [.smtp])
        explicit.connect = "127.0.0.1:2626"
        _ = try explicit.run(store: store, steps: steps, now: now, progress: .silent)
        #expect(probe.asked.last?.target == "127.0.0.1:2626")
        #expect(try store.proofTargets().targets == ["smtp": "127.0.0.1:2626"])
    }

    @Test func aRenewalLandingBetweenCheckAndProofDoesNotChangeWhatIsProven() throws {
        let checked = try issue("mx1", hosts: ["mx1.example.com"])
        // The moment enable releases the lock, another writer (a renewal) puts version 2 in service.
        store.whenUnlocked = { store in
            _ = try? SelfSignedIssuance(
                name: "mx1", hostnames: ["mx1.example.com"], key: .generate(.ecdsaP256), days: 90, force: true
            ).run(store: store, now: Date(timeIntervalSince1970: 1_800_000_000))
        }
        let report = try Enable(certificate: .name("mx1"), services: [.smtp])
            .run(store: store, steps: steps, now: now, progress: .silent)

        let renewed = try #require(try store.currentVersion(of: "mx1"))
        #expect(renewed.number == 2, "the renewal did land before the proof")
        #expect(report.version == 1)
        #expect(probe.asked.map(\.sha256) == [try checked.certificate().sha256Thumbprint])
        // Reading `current` again for the proof (the old way) would have proven another certificate.
        #expect(try renewed.certificate().sha256Thumbprint != checked.certificate().sha256Thumbprint)
    }

    @Test func refusesACertificateThatDoesNotCoverTheHostnameAndBindsNothing() throws {
        try issue("mx1", hosts: ["mx1.example.com"])
        var enable = Enable(certificate: .name("mx1"), services: [.smtp])
        enable.hostnames = ["mx2.example.com"]
        #expect(throws: MailcertError.self) { try enable.run(store: store, steps: steps, now: now, progress: .silent) }
        #expect(try store.bindings().services.isEmpty)
        #expect(try store.proofTargets().targets.isEmpty)
        #expect(probe.asked.isEmpty)

        // Forced, it binds, and says what it overrode.
        enable.force = true
        let said = CollectedReport()
        let report = try enable.run(store: store, steps: steps, now: now, progress: said.reporter)
        #expect(try store.bindings().services == ["smtp": "mx1"])
        #expect(report.forcedPast.count == 1)
        #expect(said.all.contains { $0.hasPrefix("warning: binding mx1 despite: names:") })
    }

    @Test func aThumbprintFindsTheCertificate() throws {
        let version = try issue("mx1", hosts: ["mx1.example.com"])
        try issue("other", hosts: ["other.example.com"])
        let sha1 = try version.certificate().sha1Thumbprint
        let report = try Enable(certificate: .thumbprint(sha1.lowercased()), services: [.smtp])
            .run(store: store, steps: steps, now: now, progress: .silent)
        #expect(report.name == "mx1")
    }

    @Test func aDaemonWhoseReloadFailsIsNotBoundAndItsFilesGoBack() throws {
        let root = try TemporaryDirectory("mailcert-enable")
        let version = try issue("mx1", hosts: ["mx1.example.com"])
        var enable = Enable(certificate: .name("mx1"), services: [.dovecot])
        enable.deploySettings[.dovecot] = DeploySettings(
            root: root.url.path, configDirectory: root.path("etc/dovecot"), templates: repositoryTemplates.path,
            reloadHook: "/usr/share/mailcert/hooks/reload-dovecot")
        runner.exit(1, 0)  // the reload fails, the reload with the previous files succeeds

        #expect(throws: MailcertError.self) { try enable.run(store: store, steps: steps, now: now, progress: .silent) }
        #expect(try store.bindings().services.isEmpty)
        #expect(try store.deployRecords().services.isEmpty)
        #expect(runner.calls.map(\.executable) == Array(repeating: "/usr/share/mailcert/hooks/reload-dovecot", count: 2))
        let snippet = root.url.appendingPathComponent("etc/dovecot/conf.d/99-mailcert.conf")
        #expect(!FileManager.default.fileExists(atPath: snippet.path), "a new file is removed again")

        // The reload works: deployed, recorded, bound, and the reload saw the contract for this version.
        let report = try enable.run(store: store, steps: steps, now: now, progress: .silent)
        #expect(try store.bindings().services == ["dovecot": "mx1"])
        #expect(try store.deployRecords().services["dovecot"]?.settings?.root == root.url.path)
        #expect(try store.deployRecords().services["dovecot"]?.deployedVersion == 1)
        #expect(runner.calls.last?.environment["MAILCERT_NAME"] == "mx1")
        #expect(runner.calls.last?.environment["MAILCERT_SERVICE"] == "dovecot")
        let key = root.url.appendingPathComponent("etc/mailcert/dovecot/mx1/key.pem")
        #expect(try Data(contentsOf: key) == Data(version.keyPEM))
        #expect(report.proofs.map(\.target) == ["127.0.0.1:993"])
    }

    @Test func disableUnbindsOnlyWhatWasBound() throws {
        try issue("mx1", hosts: ["mx1.example.com"])
        _ = try Enable(certificate: .name("mx1"), services: [.smtp])
            .run(store: store, steps: steps, now: now, progress: .silent)
        let (removed, sandbox) = try Disable(services: [.smtp, .submission]).run(store: store, progress: .silent)
        #expect(removed == [.smtp: "mx1"])
        #expect(sandbox == nil)
        #expect(try store.bindings().services.isEmpty)
    }

    @Test func theRenewServiceSandboxFollowsTheDaemonsBound() throws {
        let root = try TemporaryDirectory("mailcert-sandbox")
        try issue("mx1", hosts: ["mx1.example.com"])
        let sandbox = RenewalSandbox(
            root: root.url, renderer: TemplateRenderer(directory: repositoryTemplates), systemctl: nil)
        var enable = Enable(certificate: .name("mx1"), services: [.dovecot])
        enable.deploySettings[.dovecot] = DeploySettings(
            root: root.path("srv"), configDirectory: root.path("srv/etc/dovecot"), templates: repositoryTemplates.path,
            reloadHook: "/reload-dovecot")
        enable.sandbox = sandbox
        enable.prove = false

        // No renew service installed: nothing is written.
        #expect(try enable.run(store: store, steps: steps, now: now, progress: .silent).sandbox == nil)
        #expect(!FileManager.default.fileExists(atPath: sandbox.dropIn.path))

        let unit = root.url.appendingPathComponent("etc/systemd/system/mailcert-renew.service")
        try FileManager.default.createDirectory(at: unit.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("# Managed by mailcert\n".utf8).write(to: unit)
        let report = try enable.run(store: store, steps: steps, now: now, progress: .silent)
        #expect(report.sandbox?.hasPrefix(sandbox.dropIn.path) == true)
        let dropIn = try String(contentsOf: sandbox.dropIn, encoding: .utf8)
        #expect(dropIn.contains("ReadWritePaths= -\(root.path("srv/etc/dovecot/conf.d")) -\(root.path("srv/etc/mailcert/dovecot"))"))

        var disable = Disable(services: [.dovecot])
        disable.sandbox = sandbox
        let (_, note) = try disable.run(store: store, progress: .silent)
        #expect(note?.hasPrefix("removed") == true)
        #expect(!FileManager.default.fileExists(atPath: sandbox.dropIn.path))
    }
}
