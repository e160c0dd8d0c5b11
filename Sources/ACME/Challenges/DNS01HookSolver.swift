import Foundation

/// dns-01 through an administrator's program: `CMD add <record-name> <value>` and `CMD del <record-name> <value>`,
/// run directly (argv, never through a shell). The program returns when the record is published.
///
/// The program leads a process group of its own, so a timeout stops it and whatever it started (curl, sleep);
/// its output is read while it runs, so a chatty program never blocks on a full pipe. Withdrawing a record (`del`)
/// runs to completion even when the order was cancelled, so no TXT record is left behind.
public struct DNS01HookSolver: ChallengeSolver {
    public let command: String
    public let timeout: Duration
    public var challengeType: String { "dns-01" }

    public init(command: String, timeout: Duration = .seconds(300)) {
        self.command = command
        self.timeout = timeout
    }

    public func present(_ task: ChallengeTask) async throws {
        try await HookProcess(command: command, arguments: ["add", task.dnsRecordName, task.dnsValue], timeout: timeout)
            .run(purpose: "publish \(task.dnsRecordName) for \(task.hostname)")
    }

    public func cleanUp(_ task: ChallengeTask) async {
        let hook = HookProcess(command: command, arguments: ["del", task.dnsRecordName, task.dnsValue], timeout: timeout)
        // Not a child of the (possibly cancelled) order task: the record must go whatever happened.
        _ = await Task.detached { try? await hook.run(purpose: "delete \(task.dnsRecordName)") }.value
    }
}

/// One run of an external program with a deadline, killed with its whole process group when it overstays.
struct HookProcess: Sendable {
    let command: String
    let arguments: [String]
    let timeout: Duration

    func run(purpose: String) async throws {
        let label = "the dns-01 hook \(command) \(arguments.first ?? "")"
        let process = Process()
        // Foundation starts the child as the leader of a process group of its own: a timeout stops the group.
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let collected = OutputCollector()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        do { try process.run() } catch {
            output.fileHandleForReading.readabilityHandler = nil
            throw ACMEError(.solver, "cannot run \(label) to \(purpose): \(error.localizedDescription)")
        }
        let group = process.processIdentifier
        let exit = ProcessExit(process)
        var finished = await exit.wait(upTo: timeout)
        if !finished {
            kill(-group, SIGTERM)  // the hook and everything it started
            if !(await exit.wait(upTo: .seconds(2))) { kill(-group, SIGKILL) }
            _ = await exit.wait(upTo: .seconds(3600))
            finished = false
        }
        collected.waitForEnd(upTo: .milliseconds(500))
        output.fileHandleForReading.readabilityHandler = nil
        let text = collected.text
        guard finished else {
            let why = Task.isCancelled ? "was stopped because the order was cancelled" : "did not finish within \(timeout); it was stopped"
            throw ACMEError(.solver, "\(label) \(why) while trying to \(purpose)")
        }
        guard process.terminationStatus == 0 else {
            throw ACMEError(
                .solver,
                "\(label) failed with status \(process.terminationStatus) trying to \(purpose)" + (text.isEmpty ? "" : ": \(text)"))
        }
    }
}

/// The end of a child process, awaited without holding a thread of the shared pool: one dedicated thread blocks
/// in waitUntilExit, and each wait gives up at its own deadline.
private final class ProcessExit: @unchecked Sendable {
    private let lock = NSLock()
    private var exited = false
    private var waiters: [OneShot] = []

    init(_ process: Process) {
        Thread { [self] in
            process.waitUntilExit()
            lock.lock()
            exited = true
            let waiting = waiters
            waiters = []
            lock.unlock()
            for waiter in waiting { waiter.resume(true) }
        }.start()
    }

    /// True when the process ended within `limit` (or had already ended).
    func wait(upTo limit: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let waiter = OneShot(continuation)
            lock.lock()
            if exited {
                lock.unlock()
                return waiter.resume(true)
            }
            waiters.append(waiter)
            lock.unlock()
            Task.detached {
                try? await Task.sleep(for: limit)
                waiter.resume(false)
            }
        }
    }
}

/// A continuation resumed by whichever comes first, the event or the deadline; later calls do nothing.
private final class OneShot: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Bool, Never>?

    init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = continuation }

    func resume(_ value: Bool) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: value)
    }
}

/// The program's output, kept to the last 4 KiB for the error message.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    private let ended = DispatchSemaphore(value: 0)

    /// Called with each chunk; an empty chunk is the end of the output.
    func append(_ chunk: Data) {
        guard !chunk.isEmpty else {
            ended.signal()
            return
        }
        lock.lock()
        defer { lock.unlock() }
        data.append(chunk)
        if data.count > 4096 { data = data.suffix(4096) }
    }

    /// Waits for the end of the output, but not for a grandchild that keeps the pipe open.
    func waitForEnd(upTo limit: DispatchTimeInterval) { _ = ended.wait(timeout: .now() + limit) }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
