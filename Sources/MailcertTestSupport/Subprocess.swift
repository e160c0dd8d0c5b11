import Foundation

/// Runs a program to completion for tests: the `mailcert` binary under test, or `openssl` as an independent oracle.
public struct Subprocess {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var output: String { stdout + stderr }
    }

    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments` and optional standard input.
    public static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil
    ) throws -> Result {
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        let child = try ChildProcess(
            executable, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
            stdin: inPipe.fileHandleForReading.fileDescriptor, stdout: outPipe.fileHandleForWriting.fileDescriptor,
            stderr: errPipe.fileHandleForWriting.fileDescriptor)
        // The child has its copies; closing ours lets the reads below see end of file when it exits.
        try inPipe.fileHandleForReading.close()
        try outPipe.fileHandleForWriting.close()
        try errPipe.fileHandleForWriting.close()
        // Feed standard input and drain both outputs at once, so neither side ever blocks on a full pipe.
        let group = DispatchGroup()
        let input = inPipe.fileHandleForWriting
        group.enter()
        DispatchQueue.global().async {
            if let stdin { try? input.write(contentsOf: stdin) }
            try? input.close()
            group.leave()
        }
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let status = child.wait()
        return Result(
            status: status, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the `openssl` command and fails with its output when it exits non-zero.
    @discardableResult
    public static func openssl(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        let result = try run("openssl", arguments, stdin: stdin)
        guard result.status == 0 else {
            throw TestSupportError("openssl \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)")
        }
        return result
    }
}

extension Subprocess {
    /// The oracle for DANE data: the digest ("sha256", "sha512") of a certificate file's SubjectPublicKeyInfo,
    /// computed by the openssl command, upper-case hex.
    public static func spkiDigest(_ certificatePath: String, digest: String = "sha256") throws -> String {
        let result = try run(
            "sh", ["-c", "openssl x509 -in '\(certificatePath)' -noout -pubkey | openssl pkey -pubin -outform DER | "
                + "openssl dgst -\(digest) -r"])
        guard result.status == 0, let hex = result.stdout.split(separator: " ").first else {
            throw TestSupportError("openssl cannot digest the key of \(certificatePath): \(result.output)")
        }
        return hex.uppercased()
    }
}

/// A failure of the test harness itself (not of the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
