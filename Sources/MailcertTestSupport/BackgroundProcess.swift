import Foundation

/// A server started by a test, stopped by PID (SIGTERM, then SIGKILL) when the test lets go of it.
public final class BackgroundProcess: @unchecked Sendable {
    public let process: Process
    public let logFile: String

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], log: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        logFile = log
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    public func log() -> String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
