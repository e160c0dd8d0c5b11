import ACME
import Foundation
import MailcertTestSupport
import Testing

@Suite("Challenge solvers")
struct ChallengeSolverTests {
    let task = ChallengeTask(hostname: "mx1.example.test", token: "tok-1", keyAuthorization: "tok-1.thumb")

    @Test("webroot: the answer is written where the CA looks, then removed with only the directories it created")
    func webrootLeavesRootAsFound() async throws {
        let root = try TemporaryDirectory()
        // A .well-known that was there before (security.txt, say) must stay.
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent(".well-known"), withIntermediateDirectories: true)
        try root.write(".well-known/security.txt", "Contact: mailto:security@example.test\n")
        let solver = HTTP01WebrootSolver(webroot: root.url)
        try await solver.prepare()
        try await solver.present(task)
        #expect(try root.read(".well-known/acme-challenge/tok-1") == "tok-1.thumb")
        await solver.cleanUp(task)
        await solver.finish()
        #expect(!FileManager.default.fileExists(atPath: root.path(".well-known/acme-challenge")))
        #expect(try root.read(".well-known/security.txt").hasPrefix("Contact"))
    }

    @Test("dns-01 hook: arguments are passed as argv, never through a shell")
    func hookArguments() async throws {
        let directory = try TemporaryDirectory()
        let log = directory.path("calls")
        let hook = try directory.write("hook.sh", "#!/bin/sh\nprintf '%s|' \"$@\" >> \(log)\necho >> \(log)\n")
        chmod(hook, 0o755)
        let solver = DNS01HookSolver(command: hook)
        try await solver.present(task)
        await solver.cleanUp(task)
        let lines = try directory.read("calls").split(separator: "\n")
        #expect(lines == ["add|_acme-challenge.mx1.example.test|\(task.dnsValue)|", "del|_acme-challenge.mx1.example.test|\(task.dnsValue)|"])
    }

    @Test("dns-01 hook: one that overstays is stopped with everything it started, and said so")
    func hookTimeout() async throws {
        let directory = try TemporaryDirectory()
        let marker = directory.path("grandchild.pid")
        // The hook starts a grandchild that holds the output pipe, and ignores SIGTERM itself.
        let hook = try directory.write("slow.sh", "#!/bin/sh\ntrap '' TERM\nsleep 60 &\necho $! > \(marker)\nwait\n")
        chmod(hook, 0o755)
        let error = await #expect(throws: ACMEError.self) {
            try await DNS01HookSolver(command: hook, timeout: .seconds(1)).present(task)
        }
        #expect(error?.message.contains("did not finish within") == true)
        let grandchild = Int32(try directory.read("grandchild.pid").trimmingCharacters(in: .whitespacesAndNewlines))!
        usleep(200_000)
        // Gone, or a zombie waiting for its new parent to reap it: either way no longer running.
        let state = (try? String(contentsOfFile: "/proc/\(grandchild)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
        #expect(state == nil || state == "Z", "the grandchild was stopped with the hook's process group")
    }
}
