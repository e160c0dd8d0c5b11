import MailcertSystem
import Testing

@Suite("ProcessRunner")
struct ProcessRunnerTests {
    let runner = ProcessRunner(timeout: .seconds(10))

    @Test("output and error come back interleaved, with the exit status")
    func output() {
        let result = runner.run("/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"], environment: [:])
        #expect(result.termination == .exited(3))
        #expect(result.outputText == "out\nerr\n")
    }

    @Test("the environment is exactly the one given")
    func environment() {
        let result = runner.run("/usr/bin/env", environment: ["ONLY": "this"])
        #expect(result.outputText == "ONLY=this\n")
    }

    @Test("a missing program is not started, with the system's reason alone")
    func missing() {
        let result = runner.run("/nonexistent/program", environment: [:])
        #expect(result.termination == .notStarted("No such file or directory"))
    }

    @Test("a NUL byte in an argument is refused before anything starts")
    func nulByte() {
        let result = runner.run("/bin/echo", arguments: ["a\0b"], environment: [:])
        #expect(result.termination == .notStarted("cannot start /bin/echo: 'a\0b' contains a NUL byte"))
    }

    @Test("a timeout ends the child and what it started")
    func timeout() {
        let quick = ProcessRunner(timeout: .milliseconds(300), killGrace: .milliseconds(300))
        let result = quick.run("/bin/sh", arguments: ["-c", "sleep 30 & sleep 30"], environment: [:])
        #expect(result.termination == .timedOut)
        #expect(result.duration < .seconds(5))
    }

    @Test("only the tail of a long output is kept, and the drop is said")
    func tail() {
        let small = ProcessRunner(timeout: .seconds(10), outputLimit: 10)
        let result = small.run("/bin/sh", arguments: ["-c", "printf 0123456789abcdefghij"], environment: [:])
        #expect(result.outputText == "[10 earlier bytes dropped]\nabcdefghij")
    }
}
