import Foundation

/// A server started by a test, stopped by PID (SIGTERM, then SIGKILL) when the test lets go of it.
public final class BackgroundProcess: @unchecked Sendable {
    private let child: ChildProcess
    public let logFile: String
    /// A directory the log lives in, kept as long as the process is.
    private let keeping: TemporaryDirectory?
    /// The first signal `stop()` sends: SIGTERM for a graceful stop, SIGKILL for servers with nothing to save.
    private let stopSignal: Int32

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], log: String,
        keeping: TemporaryDirectory? = nil, stopSignal: Int32 = SIGTERM
    ) throws {
        self.keeping = keeping
        self.stopSignal = stopSignal
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? handle.close() }
        logFile = log
        child = try ChildProcess(
            executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            stdin: nil, stdout: handle.fileDescriptor, stderr: handle.fileDescriptor)
    }

    public var pid: Int32 { child.pid }

    /// False once the process has exited.
    public var isRunning: Bool { child.isRunning }

    public func log() -> String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    public func stop() {
        guard child.isRunning else { return }
        kill(pid, stopSignal)
        for _ in 0..<100 where child.isRunning { usleep(20_000) }
        if child.isRunning { kill(pid, SIGKILL) }
        child.wait()
    }

    deinit { stop() }
}
