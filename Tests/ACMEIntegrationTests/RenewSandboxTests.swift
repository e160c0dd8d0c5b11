import Foundation
import MailcertTestSupport
import Testing

/// `renew` inside the renew service's own sandbox, redeploying to a real Postfix. systemd is not PID 1 here, so
/// bubblewrap reproduces the unit's file system: `/` read-only (ProtectSystem=strict) and exactly the unit's
/// ReadWritePaths (its own and its drop-in's) bound read-write. PrivateTmp is not reproduced: the test's store and
/// Postfix live under /tmp.
@Suite(
    "renew under the renew service's sandbox", .serialized,
    .enabled(if: PebbleServer.shouldRun, "pebble is not installed: apt-get install pebble"),
    .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap"), "apt-get install bubblewrap"))
struct RenewSandboxTests {
    typealias Setup = PostfixDeployTests.Setup

    /// The paths a rendered unit lets the service write: ReadWritePaths of the service and of its drop-ins.
    static func writablePaths(root: String) throws -> [String] {
        let unit = "\(root)/etc/systemd/system/mailcert-renew.service"
        let dropIns = (try? FileManager.default.contentsOfDirectory(atPath: unit + ".d")) ?? []
        return try ([unit] + dropIns.map { "\(unit).d/\($0)" }).flatMap { file in
            try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix("ReadWritePaths=") }
                .flatMap { $0.dropFirst("ReadWritePaths=".count).split(separator: " ") }
                .map { $0.hasPrefix("-") ? String($0.dropFirst()) : String($0) }
        }
    }

    /// `mailcert ARGS` with / read-only and only `writable` writable (those that exist, as the "-" prefix allows).
    static func sandboxed(_ setup: Setup, writable: [String], _ arguments: [String]) throws -> Subprocess.Result {
        var bwrap = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for path in writable where FileManager.default.fileExists(atPath: path) { bwrap += ["--bind", path, path] }
        var environment = ProcessInfo.processInfo.environment
        environment["MAILCERT_STATE_DIR"] = setup.fixture.stateDirectory
        return try Subprocess.run(
            "/usr/bin/bwrap", bwrap + ["--", MailcertRunner.binary] + arguments, environment: environment)
    }

    @Test("the unit's ReadWritePaths allow the redeploy to Postfix; the store alone does not")
    func renewUnderTheUnitsSandbox() throws {
        let setup = try Setup()
        #expect(try setup.enable().status == 0)
        let installed = try setup.fixture.mailcert.run(["timer", "install", "--root", setup.root])
        #expect(installed.status == 0, "\(installed.output)")
        let paths = try Self.writablePaths(root: setup.root)
        #expect(paths.first == setup.fixture.stateDirectory, "the unit itself writes only the store: \(paths)")
        #expect(paths.contains(setup.postfix.configDirectory) && paths.contains("\(setup.root)/etc/mailcert/postfix"))
        let first = try setup.current()

        // The unsafe path: the unit as it was before the drop-in, the store alone writable. The renewal lands in the
        // store, the redeploy is refused by the read-only file system, Postfix keeps serving version 1.
        let storeOnly = try Self.sandboxed(setup, writable: [paths[0]], ["renew", "--name", PostfixDeployTests.host, "--force"])
        #expect(storeOnly.status == 1, "\(storeOnly.output)")
        #expect(storeOnly.stdout.contains("postfix: redeploy of version 2 failed"), "\(storeOnly.output)")
        #expect(storeOnly.stdout.contains("Read-only file system"), "\(storeOnly.output)")
        #expect(try setup.served() == first)

        // With the unit's paths, the next run (nothing due) redeploys and proves version 2.
        let second = try setup.current()
        let converged = try Self.sandboxed(setup, writable: paths, ["renew", "--no-random-sleep"])
        #expect(converged.status == 0, "\(converged.output)")
        #expect(converged.stdout.contains("postfix: redeployed version 2, proven at"), "\(converged.output)")
        #expect(try setup.served() == second)
    }
}
