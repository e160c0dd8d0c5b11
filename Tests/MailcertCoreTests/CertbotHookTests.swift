import Foundation
import MailcertCore
import MailcertTestSupport
import Testing

/// Hooks written for certbot run unchanged: they read `RENEWED_LINEAGE` and certbot's file names in it, and they
/// may live in /etc/mailcert/hooks beside STATE/hooks.
@Suite("Hook runner: certbot habits")
struct CertbotHookTests {
    @Test("a certbot deploy hook copying $RENEWED_LINEAGE/privkey.pem and fullchain.pem gets the version in service")
    func certbotDeployHook() throws {
        let store = try StoreFixture()
        let version = try store.selfSigned("mx1", hosts: ["mx1.example.com", "mail.example.com"], now: Date())
        let hooks = try HookFixture()
        let copy = hooks.directory.path("copy")
        // Verbatim what certbot's docs suggest for a daemon that wants its own copy; nothing MAILCERT_* in it.
        try hooks.hook(
            "50-certbot",
            """
            set -e
            mkdir -p \(copy)
            cp "$RENEWED_LINEAGE/privkey.pem" "$RENEWED_LINEAGE/fullchain.pem" \(copy)/
            echo "$RENEWED_DOMAINS" > \(copy)/domains
            """)
        let environment = HookEnvironment(current: version, files: store.store.servedFiles(of: "mx1"))
        let outcomes = hooks.runner().run(.deploy, environment: environment)
        #expect(outcomes.map(\.failed) == [false], "\(outcomes.map(\.message))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(copy)/privkey.pem")) == Data(version.keyPEM))
        let fullchain = try String(contentsOfFile: "\(copy)/fullchain.pem", encoding: .utf8)
        #expect(fullchain.hasPrefix(try version.certificate().pem))
        #expect(try String(contentsOfFile: "\(copy)/domains", encoding: .utf8) == "mx1.example.com mail.example.com\n")
    }

    @Test("hooks of STATE/hooks and the system directory run sorted together by name; STATE's first on a tie")
    func systemDirectory() throws {
        let fixture = try HookFixture()
        let system = fixture.directory.url.appendingPathComponent("etc-hooks", isDirectory: true)
        let systemDeploy = system.appendingPathComponent("deploy", isDirectory: true)
        try FileManager.default.createDirectory(at: systemDeploy, withIntermediateDirectories: true)
        for name in ["20-state", "50-same"] { try fixture.hook(name, "echo state-\(name) >> \(fixture.log)") }
        for name in ["10-etc", "50-same", "90-etc"] {
            let file = systemDeploy.appendingPathComponent(name)
            try Data("#!/bin/sh\necho etc-\(name) >> \(fixture.log)\n".utf8).write(to: file)
            chmod(file.path, 0o755)
        }
        let runner = HookRunner(directory: fixture.hooks, systemDirectory: system, timeout: .seconds(10))
        let outcomes = runner.run(.deploy, environment: HookFixture.environment)
        #expect(outcomes.allSatisfy { !$0.failed }, "\(outcomes.map(\.message))")
        #expect(
            fixture.logLines() == ["etc-10-etc", "state-20-state", "state-50-same", "etc-50-same", "etc-90-etc"])
        // A missing system stage directory is no hooks from there, as for STATE.
        #expect(runner.run(.post, environment: HookFixture.environment).isEmpty)
    }
}
