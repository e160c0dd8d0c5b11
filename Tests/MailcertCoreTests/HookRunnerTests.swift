import Foundation
import MailcertCore
import MailcertTestSupport
import Testing

@Suite("Hook runner")
struct HookRunnerTests {
    @Test("hooks run in byte order of their names, each with exactly PATH, the MAILCERT_* contract and RENEWED_*")
    func orderAndEnvironment() throws {
        let fixture = try HookFixture()
        // Byte order, not numeric or locale order: "10-a" < "20-b" < "9-late" (character by character) < "B-upper".
        for name in ["9-late", "20-b", "B-upper", "10-a"] {
            let environ = fixture.directory.path("env-\(name)")
            let body = "echo \"$(basename \"$0\")\" >> \(fixture.log)\ntr '\\0' '\\n' < /proc/$$/environ > \(environ)"
            try fixture.hook(name, body)
        }
        let outcomes = fixture.runner().run(.deploy, environment: HookFixture.environment)
        #expect(outcomes.map(\.file.lastPathComponent) == ["10-a", "20-b", "9-late", "B-upper"])
        #expect(outcomes.allSatisfy { $0.status == .finished(.exited(0)) }, "\(outcomes.map(\.message))")
        #expect(fixture.logLines() == ["10-a", "20-b", "9-late", "B-upper"])

        // The process's own initial environment (/proc/PID/environ), before the shell adds PWD and the like.
        let received = try fixture.directory.read("env-10-a").split(separator: "\n").map(String.init).sorted()
        #expect(
            received == [
                "MAILCERT_CERT=/var/lib/mailcert/certs/mx1.example.com/current/cert.pem",
                "MAILCERT_DOMAINS=mx1.example.com mail.example.com",
                "MAILCERT_FULLCHAIN=/var/lib/mailcert/certs/mx1.example.com/current/fullchain.pem",
                "MAILCERT_KEY=/var/lib/mailcert/certs/mx1.example.com/current/key.pem",
                "MAILCERT_NAME=mx1.example.com",
                "MAILCERT_SERVICE=postfix",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "RENEWED_DOMAINS=mx1.example.com mail.example.com",
                "RENEWED_LINEAGE=/var/lib/mailcert/certs/mx1.example.com/current",
            ])
        // Something this test process has is not passed on.
        let ours = try #require(
            ProcessInfo.processInfo.environment.keys.first {
                $0 != "PATH" && !$0.hasPrefix("MAILCERT_") && !$0.hasPrefix("RENEWED_")
            })
        #expect(!received.contains { $0.hasPrefix("\(ours)=") })
    }

    @Test("a PATH and extra variables passed by the caller reach the hook; the contract variables win over extras")
    func callerEnvironment() throws {
        let fixture = try HookFixture()
        try fixture.hook("10-env", "tr '\\0' '\\n' < /proc/$$/environ > \(fixture.directory.path("env"))")
        var environment = HookFixture.environment
        environment.path = "/usr/bin:/bin"
        environment.extra = ["LANG": "C.UTF-8", "MAILCERT_NAME": "spoofed"]
        #expect(fixture.runner().run(.deploy, environment: environment).map(\.failed) == [false])
        let received = try fixture.directory.read("env").split(separator: "\n").map(String.init)
        #expect(received.contains("PATH=/usr/bin:/bin"))
        #expect(received.contains("LANG=C.UTF-8"))
        #expect(received.contains("MAILCERT_NAME=mx1.example.com"))
        #expect(received.count == 10)
    }

    @Test("backup files, hidden files, directories and non-executables are skipped, each with a note saying why")
    func skips() throws {
        let fixture = try HookFixture()
        let record = "echo \"$(basename \"$0\")\" >> \(fixture.log)"
        let leftovers = [
            "x~", "x.bak", "x.orig", "x.dpkg-old", "x.dpkg-new", "x.dpkg-dist", "x.rpmnew", "x.rpmsave",
            "x.swp", ".hidden",
        ]
        for name in leftovers + ["50-run"] { try fixture.hook(name, record) }
        try fixture.hook("60-noexec", record, mode: 0o644)
        try FileManager.default.createDirectory(
            at: fixture.stage(.deploy).appendingPathComponent("70-dir"), withIntermediateDirectories: false)
        symlink(fixture.directory.path("nowhere"), fixture.stage(.deploy).appendingPathComponent("80-dangling").path)

        var notes: [String] = []
        let outcomes = fixture.runner().run(.deploy, environment: HookFixture.environment) { notes.append($0) }
        #expect(fixture.logLines() == ["50-run"])
        #expect(outcomes.count == leftovers.count + 4)
        #expect(outcomes.filter { !$0.failed }.count == outcomes.count, "a skip is not a failure")
        let noexec = try #require(outcomes.first { $0.file.lastPathComponent == "60-noexec" })
        #expect(
            noexec.message
                == "deploy hook \(noexec.file.path) skipped: exists, but is not executable; chmod +x it to run it")
        let backup = try #require(outcomes.first { $0.file.lastPathComponent == "x.dpkg-old" })
        #expect(backup.message.contains("skipped: a backup or package leftover (ends in .dpkg-old)"))
        #expect(outcomes.first { $0.file.lastPathComponent == "x~" }?.message.contains("(ends in ~)") == true)
        #expect(outcomes.first { $0.file.lastPathComponent == ".hidden" }?.message.contains("hidden") == true)
        #expect(outcomes.first { $0.file.lastPathComponent == "70-dir" }?.message.contains("is a directory") == true)
        #expect(
            outcomes.first { $0.file.lastPathComponent == "80-dangling" }?.message.contains("dangling symlink") == true)
        #expect(notes == outcomes.map(\.message), "every outcome is reported as it happens")
    }

    @Test("a symlink to an executable runs: linking a shipped hook into place enables it")
    func symlinkedHook() throws {
        let fixture = try HookFixture()
        let target = try fixture.directory.write("shipped", "#!/bin/sh\necho shipped >> \(fixture.log)\n")
        chmod(target, 0o755)
        symlink(target, fixture.stage(.deploy).appendingPathComponent("50-shipped").path)
        #expect(fixture.runner().run(.deploy, environment: HookFixture.environment).map(\.failed) == [false])
        #expect(fixture.logLines() == ["shipped"])
    }

    @Test("a missing stage directory means no hooks, not an error")
    func missingStage() throws {
        let fixture = try HookFixture()
        #expect(fixture.runner().run(.pre, environment: HookFixture.environment).isEmpty)
        #expect(
            HookRunner(directory: fixture.directory.url.appendingPathComponent("none"), timeout: .seconds(1))
                .run(.deploy, environment: HookFixture.environment).isEmpty)
    }

    @Test("a stage path that is a file is one failed outcome naming it")
    func unlistableStage() throws {
        let fixture = try HookFixture()
        try Data().write(to: fixture.stage(.post))
        let outcomes = fixture.runner().run(.post, environment: HookFixture.environment)
        #expect(outcomes.count == 1)
        #expect(outcomes.first?.failed == true)
        #expect(
            outcomes.first?.message.contains(
                "cannot list \(fixture.stage(.post).path): Not a directory; no post hook ran") == true)
    }

    @Test("a failing hook (exit 3) is reported with its output, and the next hook still runs")
    func failureDoesNotStopTheStage() throws {
        let fixture = try HookFixture()
        try fixture.hook(
            "10-fail", "echo 'postfix/postfix-script: fatal: the Postfix mail system is not running' >&2\nexit 3")
        try fixture.hook("20-next", "echo next >> \(fixture.log)")
        let outcomes = fixture.runner().run(.deploy, environment: HookFixture.environment)
        #expect(outcomes.map(\.status) == [.finished(.exited(3)), .finished(.exited(0))])
        #expect(outcomes.map(\.failed) == [true, false])
        let message = outcomes[0].message
        #expect(message.hasPrefix("deploy hook \(outcomes[0].file.path) failed with exit status 3 ("), "\(message)")
        #expect(message.contains("the other deploy hooks still run"))
        #expect(
            message.hasSuffix("its last output: postfix/postfix-script: fatal: the Postfix mail system is not running"))
        #expect(fixture.logLines() == ["next"])
    }

    @Test("a hook killed by a signal says which")
    func killedBySignal() throws {
        let fixture = try HookFixture()
        try fixture.hook("10-abort", "kill -USR1 $$")
        let outcome = try #require(fixture.runner().run(.deploy, environment: HookFixture.environment).first)
        #expect(outcome.status == .finished(.signaled(SIGUSR1)))
        #expect(
            outcome.message.contains("was killed by signal \(SIGUSR1) (User defined signal 1)"), "\(outcome.message)")
    }

    @Test("a hanging hook is stopped at the timeout with its whole process group, and the next hook runs")
    func timeout() throws {
        let fixture = try HookFixture()
        let groupFile = fixture.directory.path("group")
        try fixture.hook("10-hang", "echo $$ > \(groupFile)\nsleep 60")
        try fixture.hook("20-next", "echo next >> \(fixture.log)")
        let outcomes = fixture.runner(timeout: .seconds(1)).run(.deploy, environment: HookFixture.environment)
        #expect(outcomes.map(\.status) == [.finished(.timedOut), .finished(.exited(0))])
        #expect(outcomes[0].timedOut)
        #expect(outcomes[0].duration.seconds >= 1 && outcomes[0].duration.seconds < 4, "\(outcomes[0].duration)")
        #expect(outcomes[0].message.contains("did not finish in time and was stopped with everything it started"))
        let group = try #require(
            pid_t(
                try String(contentsOfFile: groupFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(
            ProcessTable.eventually { ProcessTable.members(ofGroup: group).isEmpty }, "the sleep of the hook survived")
        #expect(fixture.logLines() == ["next"])
    }

    @Test("a hook waiting on a background child is stopped with that child (the grandchild of mailcert)")
    func timeoutKillsGrandchild() throws {
        let fixture = try HookFixture()
        let pidFile = fixture.directory.path("child")
        try fixture.hook("10-wait", "sleep 60 &\necho $! > \(pidFile)\nwait")
        let outcome = try #require(
            fixture.runner(timeout: .seconds(1)).run(.deploy, environment: HookFixture.environment).first)
        #expect(outcome.status == .finished(.timedOut))
        let child = try #require(
            pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(ProcessTable.eventually { !ProcessTable.isAlive(child) }, "sleep \(child) survived the timeout")
    }

    @Test("a group that ignores SIGTERM gets SIGKILL after the grace")
    func timeoutEscalates() throws {
        let fixture = try HookFixture()
        let pidFile = fixture.directory.path("child")
        // An ignored signal stays ignored across fork and exec: the sleep ignores SIGTERM too.
        try fixture.hook("10-stubborn", "trap '' TERM\nsleep 60 &\necho $! > \(pidFile)\nwait")
        let outcome = try #require(
            fixture.runner(timeout: .seconds(1)).run(.deploy, environment: HookFixture.environment).first)
        #expect(outcome.status == .finished(.timedOut))
        #expect(outcome.duration.seconds >= 1.5, "SIGKILL came before the grace ended: \(outcome.duration)")
        let child = try #require(
            pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(ProcessTable.eventually { !ProcessTable.isAlive(child) }, "sleep \(child) survived SIGKILL")
    }

    @Test("a hook that exits leaving a background child holding its output is not waited for")
    func leftoverChildDoesNotBlock() throws {
        let fixture = try HookFixture()
        let pidFile = fixture.directory.path("child")
        try fixture.hook("10-daemonize", "sleep 30 &\necho $! > \(pidFile)\necho started")
        let outcome = try #require(
            fixture.runner(timeout: .seconds(10)).run(.deploy, environment: HookFixture.environment).first)
        let child = pid_t(
            try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        defer { if let child { kill(child, SIGKILL) } }
        #expect(outcome.status == .finished(.exited(0)))
        #expect(outcome.output == "started\n")
        #expect(outcome.duration.seconds < 2, "waited for the background child: \(outcome.duration)")
    }

    @Test("standard output and error are captured together, in order; standard input is empty")
    func outputCapture() throws {
        let fixture = try HookFixture()
        try fixture.hook("10-talk", "echo to-stdout\necho to-stderr >&2\necho again\ncat\necho \"stdin done\"")
        let outcome = try #require(fixture.runner().run(.deploy, environment: HookFixture.environment).first)
        #expect(outcome.output == "to-stdout\nto-stderr\nagain\nstdin done\n")
    }

    @Test("only the last bytes of a flood of output are kept, with a note of how much was dropped")
    func outputIsBounded() throws {
        let fixture = try HookFixture()
        try fixture.hook("10-flood", "head -c 200000 /dev/zero | tr '\\0' x\necho END")
        let outcome = try #require(
            fixture.runner(outputLimit: 1000).run(.deploy, environment: HookFixture.environment).first)
        #expect(outcome.status == .finished(.exited(0)))
        #expect(outcome.output.hasPrefix("[199004 earlier bytes dropped]\n"), "\(outcome.output.prefix(60))")
        #expect(outcome.output.hasSuffix(String(repeating: "x", count: 996) + "END\n"))
    }

    @Test("neither file names nor values pass through a shell")
    func noShell() throws {
        let fixture = try HookFixture()
        let marker = fixture.directory.path("pwned")
        // Through a shell, the name would run "10-x" (which does not exist) and then "touch pwned".
        try fixture.hook("10-x; touch pwned", "printf '%s\\n' \"$MAILCERT_NAME\" >> \(fixture.log)")
        var environment = HookFixture.environment
        environment.name = "$(touch \(marker)) `touch \(marker)`; touch \(marker)"
        let outcomes = fixture.runner().run(.deploy, environment: environment)
        #expect(outcomes.map(\.status) == [.finished(.exited(0))])
        #expect(fixture.logLines() == [environment.name])
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("an executable that is neither a program nor a #! script is reported as not started")
    func notAProgram() throws {
        let fixture = try HookFixture()
        let file = fixture.stage(.deploy).appendingPathComponent("10-text")
        try Data("postfix reload\n".utf8).write(to: file)
        chmod(file.path, 0o755)
        let outcome = try #require(fixture.runner().run(.deploy, environment: HookFixture.environment).first)
        #expect(outcome.status == .finished(.notStarted("not a program the kernel can run (a script needs a #! line)")))
        #expect(outcome.failed)
        #expect(outcome.message.contains("could not be started: not a program the kernel can run"))
    }
}
