import Foundation
import MailcertTestSupport
import Testing

/// The lifecycle after an ACME renewal: a running `mailcert serve` bound with `enable` serves the new certificate
/// with no restart, deploy hooks get the MAILCERT_* contract, the service is proven, and `--dry-run` changes nothing.
@Suite(
    "renew: deploy, hooks, proof", .serialized,
    .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct RenewDeployTests {
    static let host = "mx1.example.test"

    /// A Pebble certificate bound to smtp on a listener that serves nothing else, and a deploy hook that records.
    struct Setup {
        let fixture: PebbleFixture
        let listener: BackgroundProcess
        let port: Int
        let hookLog: String

        init(hook: String = "") throws {
            fixture = try PebbleFixture()
            let requested = try fixture.request([RenewDeployTests.host], fixture.acme)
            guard requested.status == 0 else { throw TestSupportError("request failed: \(requested.output)") }
            port = FreePort.pick()
            listener = try BackgroundProcess(
                MailcertRunner.binary,
                ["serve", "--state-dir", fixture.stateDirectory, "--listen", "127.0.0.1:\(port)", "--hostname",
                 RenewDeployTests.host, "--maildir", fixture.mailcert.state.path("Maildir")],
                log: fixture.mailcert.state.path("serve.log"), keeping: fixture.mailcert.state)
            try FreePort.waitUntilListening(port, server: listener)
            let enabled = try fixture.mailcert.run(
                ["enable", "--name", RenewDeployTests.host, "--service", "smtp", "--connect", "127.0.0.1:\(port)"])
            guard enabled.status == 0 else { throw TestSupportError("enable failed: \(enabled.output)") }
            hookLog = fixture.mailcert.state.path("hook.log")
            let deploy = "\(fixture.stateDirectory)/hooks/deploy"
            try FileManager.default.createDirectory(atPath: deploy, withIntermediateDirectories: true)
            let script = hook.isEmpty
                ? "#!/bin/sh\nenv | grep '^MAILCERT_' | sort >> '\(hookLog)'\necho ran >> '\(hookLog)'\n" : hook
            FileManager.default.createFile(atPath: "\(deploy)/10-record", contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        }

        func served() throws -> String {
            let result = try Subprocess.run(
                "/bin/sh",
                ["-c", "openssl s_client -starttls smtp -connect 127.0.0.1:\(port) -servername \(RenewDeployTests.host) "
                    + "</dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"])
            return String(result.stdout.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func current() throws -> String {
            let result = try Subprocess.openssl(
                ["x509", "-in", fixture.current(RenewDeployTests.host, "cert.pem"), "-noout", "-fingerprint", "-sha256"])
            return String(result.stdout.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test("a forced renewal under a running listener: new certificate served without restart, hook run, proven")
    func renewUnderListener() throws {
        let setup = try Setup()
        defer { setup.listener.stop() }
        let before = try setup.served()
        #expect(before == (try setup.current()))
        let pid = setup.listener.pid

        let renewed = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force"])
        #expect(renewed.status == 0, "\(renewed.output)")
        #expect(renewed.stderr.contains("smtp proven: 127.0.0.1:\(setup.port) serves the renewed certificate"), "\(renewed.stderr)")
        let after = try setup.served()
        #expect(after != before)
        #expect(after == (try setup.current()))
        #expect(setup.listener.isRunning && setup.listener.pid == pid, "no restart")

        let recorded = try String(contentsOfFile: setup.hookLog, encoding: .utf8)
        let current = "\(setup.fixture.stateDirectory)/certs/\(Self.host)/current"
        #expect(recorded.contains("MAILCERT_NAME=\(Self.host)\n"))
        #expect(recorded.contains("MAILCERT_DOMAINS=\(Self.host)\n"))
        #expect(recorded.contains("MAILCERT_SERVICE=smtp\n"))
        #expect(recorded.contains("MAILCERT_KEY=\(current)/key.pem\n"))
        #expect(recorded.contains("MAILCERT_FULLCHAIN=\(current)/fullchain.pem\n"))
        #expect(recorded.contains("MAILCERT_CERT=\(current)/cert.pem\n"))
    }

    @Test("--dry-run says what is due and touches nothing: no order, no hook, no metrics, same certificate")
    func dryRun() throws {
        let setup = try Setup()
        defer { setup.listener.stop() }
        let before = try setup.current()
        let result = try setup.fixture.mailcert.run(["renew", "--dry-run", "--force"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("\(Self.host): due, would renew (dry run"), "\(result.output)")
        #expect(result.stdout.contains("nothing was changed"))
        #expect(try setup.current() == before)
        #expect(!FileManager.default.fileExists(atPath: setup.hookLog))
        #expect(!FileManager.default.fileExists(atPath: "\(setup.fixture.stateDirectory)/metrics/mailcert.prom"))
    }

    @Test("a failing deploy hook fails the run and says so; the renewed certificate stays in service")
    func failingHook() throws {
        let setup = try Setup(hook: "#!/bin/sh\necho 'cannot reach the MTA' >&2\nexit 4\n")
        defer { setup.listener.stop() }
        let result = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("renewed, version 2 in service"), "\(result.output)")
        #expect(result.stdout.contains("10-record"))
        #expect(result.stdout.contains("cannot reach the MTA"))
        #expect(try setup.served() == (try setup.current()))
    }

    @Test("when the bound service does not serve the renewed certificate, the run fails naming it")
    func proofFails() throws {
        let setup = try Setup()
        setup.listener.stop()
        let result = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force", "--proof-window", "1"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("smtp at 127.0.0.1:\(setup.port) did not serve the renewed certificate"), "\(result.output)")
    }
}

/// Two renewals at once, and renewals killed with SIGKILL: the store stays consistent, the listener keeps serving a
/// whole certificate, and the next run completes.
@Suite(
    "renew: lock and crashes", .serialized,
    .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct RenewCrashTests {
    typealias Setup = RenewDeployTests.Setup
    static let host = RenewDeployTests.host

    /// A pre hook that says it started, then waits: it holds a renew run open for as long as the test needs.
    static func slowPreHook(_ setup: Setup) throws -> String {
        let started = setup.fixture.mailcert.state.path("pre-started")
        let pre = "\(setup.fixture.stateDirectory)/hooks/pre"
        try FileManager.default.createDirectory(atPath: pre, withIntermediateDirectories: true)
        FileManager.default.createFile(
            atPath: "\(pre)/10-wait", contents: Data("#!/bin/sh\ntouch '\(started)'\nsleep 5\n".utf8),
            attributes: [.posixPermissions: 0o755])
        return started
    }

    static func startRenew(_ setup: Setup, _ extra: [String] = []) throws -> BackgroundProcess {
        try BackgroundProcess(
            MailcertRunner.binary,
            ["renew", "--state-dir", setup.fixture.stateDirectory, "--name", host, "--force"] + extra,
            log: setup.fixture.mailcert.state.path("renew-\(UUID().uuidString).log"), keeping: setup.fixture.mailcert.state,
            stopSignal: SIGKILL)
    }

    static func waitFor(_ path: String) -> Bool {
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) { usleep(20_000) }
        return FileManager.default.fileExists(atPath: path)
    }

    static func leftovers(_ setup: Setup) -> [String] {
        let versions = "\(setup.fixture.stateDirectory)/certs/\(host)/versions"
        return ((try? FileManager.default.contentsOfDirectory(atPath: versions)) ?? []).filter { $0.hasPrefix(".") }
    }

    @Test("a second renew while one runs is refused at once, naming the running one; the first completes")
    func twoAtOnce() throws {
        let setup = try Setup()
        defer { setup.listener.stop() }
        let started = try Self.slowPreHook(setup)
        let first = try Self.startRenew(setup)
        defer { first.stop() }
        #expect(Self.waitFor(started))
        let second = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another 'mailcert renew' (pid \(first.pid)) holds"), "\(second.stderr)")
        #expect(second.stderr.contains("nothing was changed"))
        for _ in 0..<1000 where first.isRunning { usleep(20_000) }
        #expect(first.log().contains("\(Self.host): renewed"), "\(first.log())")
    }

    @Test("kill -9 before the order: the old certificate keeps serving, nothing is half-written, the next run renews")
    func killedBeforeTheOrder() throws {
        let setup = try Setup()
        defer { setup.listener.stop() }
        let before = try setup.current()
        let started = try Self.slowPreHook(setup)
        let victim = try Self.startRenew(setup)
        #expect(Self.waitFor(started))
        kill(victim.pid, SIGKILL)
        victim.stop()
        #expect(try setup.current() == before)
        #expect(try setup.served() == before)
        #expect(Self.leftovers(setup).isEmpty)

        try FileManager.default.removeItem(atPath: "\(setup.fixture.stateDirectory)/hooks/pre/10-wait")
        let next = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force"])
        #expect(next.status == 0, "\(next.output)")
        #expect(try setup.served() != before)
        #expect(try setup.served() == (try setup.current()))
    }

    @Test("kill -9 after the switch (in a deploy hook): the new version is whole and served; the next run goes on")
    func killedAfterTheSwitch() throws {
        let marker = NSTemporaryDirectory() + "deploy-started-\(UUID().uuidString)"
        let setup = try Setup(hook: "#!/bin/sh\ntouch '\(marker)'\nsleep 5\n")
        defer { setup.listener.stop() }
        let before = try setup.current()
        let victim = try Self.startRenew(setup)
        #expect(Self.waitFor(marker))
        kill(victim.pid, SIGKILL)
        victim.stop()
        let after = try setup.current()
        #expect(after != before)
        #expect(eventually { (try? setup.served()) == after })
        #expect(try setup.fixture.verifyWithOpenSSL(Self.host, hostname: Self.host).contains("OK"))
        let next = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--no-random-sleep"])
        #expect(next.status == 0, "\(next.output)")
        #expect(next.stdout.contains("not due until"))
    }

    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<250 {
            if condition() { return true }
            usleep(20_000)
        }
        return false
    }
}

/// A host is never left without a usable certificate: an expired one whose renewal fails is replaced by a
/// self-signed fallback, loudly, and ACME replaces the fallback at the next successful run.
@Suite(
    "renew: self-signed fallback", .serialized,
    .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"))
struct RenewFallbackTests {
    static let host = "mx1.example.test"

    @Test("expired and unrenewable: a fallback goes into service; the next successful renewal replaces it")
    func fallbackThenACME() throws {
        // No authorization reuse: Pebble reuses a valid one half the time by default, and the blocked http-01 port
        // below must make the renewal fail.
        let fixture = try PebbleFixture(environment: ["PEBBLE_AUTHZREUSE": "0"])
        #expect(try fixture.request([Self.host], fixture.acme).status == 0)
        // The version in service becomes an expired CA-signed certificate (as after a long outage).
        let ca = try TestCA()
        let expired = try ca.issue(LeafSpec([Self.host], notBefore: "20200101000000Z", notAfter: "20210101000000Z"))
        let bundle = fixture.mailcert.state.path("expired.p12")
        _ = try Subprocess.openssl([
            "pkcs12", "-export", "-inkey", expired.keyPath, "-in", expired.fullchainPath, "-out", bundle, "-passout", "pass:",
        ])
        let imported = try fixture.mailcert.run(["import", "--name", Self.host, "--pkcs12", bundle])
        try #require(imported.status == 0, "\(imported.output)")

        // Something else holds the http-01 port, so the CA cannot validate: the renewal fails.
        let blocker = try BackgroundProcess(
            "/usr/bin/python3",
            ["-c", "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', \(fixture.pebble.httpPort))); s.listen(); time.sleep(60)"],
            log: fixture.mailcert.state.path("blocker.log"), keeping: fixture.mailcert.state, stopSignal: SIGKILL)
        try FreePort.waitUntilListening(fixture.pebble.httpPort, server: blocker)
        let failed = try fixture.mailcert.run(["renew", "--name", Self.host, "--no-random-sleep"])
        blocker.stop()
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("a self-signed fallback (version 3) is now in service"), "\(failed.output)")
        #expect(failed.stdout.contains("self-signed fallback version 3 in service"))
        let issuer = try Subprocess.openssl(["x509", "-in", fixture.current(Self.host, "cert.pem"), "-noout", "-issuer", "-subject"])
        #expect(issuer.stdout.contains("issuer=CN = \(Self.host)"), "\(issuer.stdout)")

        let next = try fixture.mailcert.run(["renew", "--no-random-sleep"])
        #expect(next.status == 0, "\(next.output)")
        #expect(next.stdout.contains("renewed, version 4 in service (a self-signed fallback is in service)"), "\(next.output)")
        #expect(try fixture.verifyWithOpenSSL(Self.host, hostname: Self.host).contains("OK"))
    }
}
