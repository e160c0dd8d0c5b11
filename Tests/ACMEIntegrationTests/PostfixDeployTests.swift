import Foundation
import MailcertTestSupport
import Testing

/// `enable --service postfix` and `renew` against Debian's real Postfix: a private instance (PostfixServer) on
/// 127.0.0.1 with its configuration directory and the deploy root in its own temporary tree, first serving a
/// certificate from a throwaway CA; mailcert must make it serve the store's Pebble certificate, switch it again on
/// renewal, and put the previous files back when the reload fails. openssl is the independent judge.
@Suite(
    "Postfix deploy: enable, renew, rollback", .serialized,
    .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"),
    .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
struct PostfixDeployTests {
    static let host = "mx1.example.test"

    /// Pebble, a store with one Pebble certificate, a Postfix serving something else, and a reload hook that runs the
    /// shipped hooks/reload-postfix unless the test makes it refuse.
    struct Setup {
        let fixture: PebbleFixture
        let ca: TestCA
        let postfix: PostfixServer
        let root: String
        let reload: ReloadStandIn
        var reloadHook: String { reload.path }

        init() throws {
            fixture = try PebbleFixture()
            let requested = try fixture.request([PostfixDeployTests.host], fixture.acme)
            guard requested.status == 0 else { throw TestSupportError("request failed: \(requested.output)") }
            ca = try TestCA(name: "Postfix Before Mailcert")
            let before = try ca.issue(LeafSpec([PostfixDeployTests.host]))
            postfix = try PostfixServer(
                hostname: PostfixDeployTests.host, certificate: before.fullchainPath, key: before.keyPath)
            root = postfix.directory.path("root")
            reload = try ReloadStandIn(
                in: postfix.directory, failure: "postfix/postfix-script: fatal: simulated reload failure",
                shipped: "reload-postfix")
        }

        var chainFile: String { "\(root)/etc/mailcert/postfix/\(PostfixDeployTests.host).pem" }

        func enable() throws -> Subprocess.Result {
            try fixture.mailcert.run([
                "enable", "--name", PostfixDeployTests.host, "--service", "postfix", "--root", root,
                "--postfix-config-dir", postfix.configDirectory, "--connect", "127.0.0.1:\(postfix.port)",
                "--reload-hook", reloadHook,
            ])
        }

        /// The SHA-256 fingerprint of what Postfix serves after STARTTLS, as openssl s_client sees it.
        func served() throws -> String {
            let result = try Subprocess.run(
                "/bin/sh",
                ["-c", "openssl s_client -starttls smtp -connect 127.0.0.1:\(postfix.port) -servername "
                    + "\(PostfixDeployTests.host) </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"])
            return Self.fingerprint(result.stdout)
        }

        func current() throws -> String { try fingerprint(fixture.current(PostfixDeployTests.host, "cert.pem")) }

        func fingerprint(_ file: String) throws -> String {
            Self.fingerprint(try Subprocess.openssl(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"]).stdout)
        }

        static func fingerprint(_ text: String) -> String {
            String(text.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Postfix may still hand out a process started before the reload for a moment; wait for `expected`.
        func waitUntilServed(_ expected: String, seconds: Double = 10) throws -> String {
            let end = Date().addingTimeInterval(seconds)
            var seen = try served()
            while seen != expected && Date() < end {
                usleep(200_000)
                seen = try served()
            }
            return seen
        }
    }

    @Test("enable makes Postfix serve the store's certificate from one key-first 0600 chain file; renew switches it")
    func enableThenRenew() throws {
        let setup = try Setup()
        let before = try setup.served()
        #expect(!before.isEmpty)
        #expect(before != (try setup.current()))

        let enabled = try setup.enable()
        #expect(enabled.status == 0, "\(enabled.output)")
        let proven = "postfix: proven: 127.0.0.1:\(setup.postfix.port) serves sha256"
        #expect(enabled.stdout.contains(proven), "\(enabled.output)")
        #expect(try setup.waitUntilServed(try setup.current()) == (try setup.current()))

        // The chain file: 0600, root's, key first (the key of the leaf), then the leaf.
        let attributes = try FileManager.default.attributesOfItem(atPath: setup.chainFile)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(attributes[.ownerAccountID] as? Int == 0)
        let chain = try String(contentsOfFile: setup.chainFile, encoding: .utf8)
        #expect(chain.hasPrefix("-----BEGIN PRIVATE KEY-----") || chain.hasPrefix("-----BEGIN EC PRIVATE KEY-----"))
        let keyPublic = try Subprocess.openssl(["pkey", "-in", setup.chainFile, "-pubout"]).stdout
        let leafPublic = try Subprocess.openssl(["x509", "-in", setup.chainFile, "-noout", "-pubkey"]).stdout
        #expect(keyPublic == leafPublic)
        #expect(try setup.fingerprint(setup.chainFile) == (try setup.current()))
        let configured = try Subprocess.run(
            "/usr/sbin/postconf", ["-c", setup.postfix.configDirectory, "-h", "smtpd_tls_chain_files"])
        #expect(configured.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == setup.chainFile)
        let records = try String(contentsOfFile: "\(setup.fixture.stateDirectory)/deploy.json", encoding: .utf8)
        #expect(records.contains("\"configDirectory\" : \"\(setup.postfix.configDirectory)\""), "\(records)")

        let first = try setup.current()
        let renewed = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force"])
        #expect(renewed.status == 0, "\(renewed.output)")
        #expect(
            renewed.stderr.contains("postfix proven: 127.0.0.1:\(setup.postfix.port) serves the renewed certificate"),
            "\(renewed.output)")
        let second = try setup.current()
        #expect(second != first)
        #expect(try setup.waitUntilServed(second) == second)
        #expect(try setup.fingerprint(setup.chainFile) == second)
        let aside = "\(setup.root)/etc/mailcert/postfix/.\(Self.host).pem.mailcert-previous"
        #expect(try setup.fingerprint(aside) == first, "the previous chain file is kept aside")
    }

    @Test("a failed reload puts the previous chain file back, Postfix keeps serving it, the run fails naming postfix")
    func failedReloadRollsBack() throws {
        let setup = try Setup()
        let enabled = try setup.enable()
        #expect(enabled.status == 0, "\(enabled.output)")
        let first = try setup.current()
        #expect(try setup.waitUntilServed(first) == first)
        let chainBefore = try Data(contentsOf: URL(fileURLWithPath: setup.chainFile))
        setup.reload.refuse(true)

        let renewed = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force"])
        #expect(renewed.status == 1, "\(renewed.output)")
        #expect(renewed.stdout.contains("\(Self.host): postfix: redeploy of version 2 failed"), "\(renewed.output)")
        #expect(renewed.stdout.contains("simulated reload failure"), "\(renewed.output)")
        #expect(renewed.stdout.contains("the previous files are back in place"), "\(renewed.output)")
        #expect(renewed.stdout.contains("version 2 stays in the store's current/"), "\(renewed.output)")
        #expect(try setup.current() != first, "the renewed version stays in the store")
        #expect(try Data(contentsOf: URL(fileURLWithPath: setup.chainFile)) == chainBefore)
        #expect(try setup.served() == first)

        // enable with the refusing reload: the same rollback, and the error names the service, file and output.
        let again = try setup.enable()
        #expect(again.status == 1, "\(again.output)")
        let failure = "postfix: the reload (\(setup.reloadHook)) failed with exit status 1"
        #expect(again.stderr.contains(failure), "\(again.stderr)")
        #expect(again.stderr.contains(setup.chainFile), "\(again.stderr)")
        #expect(again.stderr.contains("the previous files are back in place"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: setup.chainFile)) == chainBefore)
        #expect(try setup.served() == first)
    }

    @Test("renewal converges: a reload that failed once is retried by the next run with nothing due, until proven")
    func aFailedReloadIsRetriedByTheNextRun() throws {
        let setup = try Setup()
        #expect(try setup.enable().status == 0)
        let first = try setup.current()
        setup.reload.refuse(true)
        let renewed = try setup.fixture.mailcert.run(["renew", "--name", Self.host, "--force"])
        #expect(renewed.status == 1, "\(renewed.output)")
        let second = try setup.current()
        #expect(try setup.served() == first, "Postfix still serves version 1")

        // In between, list and the metrics say so.
        let list = try setup.fixture.mailcert.run(["list", "--json"])
        #expect(list.stdout.contains("\"stale\" : true"), "\(list.stdout)")
        let table = try setup.fixture.mailcert.run(["list"])
        #expect(table.stdout.contains("postfix (serving v1, current v2)"), "\(table.stdout)")
        let metrics = try String(contentsOfFile: "\(setup.fixture.stateDirectory)/metrics/mailcert.prom", encoding: .utf8)
        #expect(metrics.contains(#"mailcert_service_stale{name="\#(Self.host)",service="postfix"} 1"#), "\(metrics)")
        let dry = try setup.fixture.mailcert.run(["renew", "--dry-run"])
        #expect(dry.stdout.contains("postfix: would redeploy version 2"), "\(dry.output)")

        // The reload works again: a plain run, nothing due, redeploys, proves, and exits 0.
        setup.reload.refuse(false)
        let converged = try setup.fixture.mailcert.run(["renew", "--no-random-sleep"])
        #expect(converged.status == 0, "\(converged.output)")
        #expect(converged.stdout.contains("\(Self.host): not due until"), "\(converged.output)")
        #expect(converged.stdout.contains("\(Self.host): postfix: redeployed version 2, proven at"), "\(converged.output)")
        #expect(try setup.served() == second)
        #expect(try setup.fixture.mailcert.run(["list"]).stdout.contains("(serving v1") == false)
        let after = try String(contentsOfFile: "\(setup.fixture.stateDirectory)/metrics/mailcert.prom", encoding: .utf8)
        #expect(after.contains(#"mailcert_service_stale{name="\#(Self.host)",service="postfix"} 0"#), "\(after)")
    }
}
