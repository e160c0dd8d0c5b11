import Foundation
import MailcertTestSupport

/// What `openssl s_client` saw of one session: the handshake summary it prints, the leaf the server sent, and the
/// SMTP reply lines the server sent inside TLS.
struct SClientSession {
    let status: Int32
    let stdout: String
    let stderr: String

    var output: String { stdout + stderr }

    /// "TLSv1.3", from "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384".
    var protocolVersion: String? {
        guard let line = newLine else { return nil }
        return line.dropFirst(5).split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    var cipher: String? {
        guard let line = newLine, let range = line.range(of: "Cipher is ") else { return nil }
        return String(line[range.upperBound...])
    }

    private var newLine: String? {
        stdout.split(whereSeparator: \.isNewline).map(String.init).first { $0.hasPrefix("New, ") }
    }

    /// s_client checked the chain and the name and found nothing wrong.
    var verified: Bool { stdout.contains("Verify return code: 0 (ok)") }

    /// The PEM of the server's leaf ("Server certificate" block).
    var leafPEM: String? {
        guard let begin = stdout.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = stdout.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<stdout.endIndex)
        else { return nil }
        return String(stdout[begin.lowerBound..<end.upperBound]) + "\n"
    }

    /// SHA-256 of the leaf, upper-case hex without colons, as `LiveListener.currentFingerprint()` gives it.
    func fingerprint() throws -> String? {
        guard let pem = leafPEM else { return nil }
        return try CertificateFacts.fingerprint(pem: pem)
    }

    /// Every SMTP reply line printed after the handshake summary ("Verify return code" / "Verification" line), in
    /// order. s_client -starttls smtp echoes the last line of the plaintext EHLO reply ("250 STARTTLS") there once
    /// of its own; callers pick out the replies they sent commands for (see `ehloReply`).
    var replyLinesAfterHandshake: [String] {
        // Split on any line end: Swift takes "\r\n" for one Character, which a split on "\n" never finds.
        let lines = stdout.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        guard
            let start = lines.firstIndex(where: { $0.hasPrefix("Verify return code") || $0.hasPrefix("Verification") })
        else { return [] }
        return lines[start...].filter { line in
            line.count >= 3 && line.prefix(3).allSatisfy(\.isNumber)
                && (line.count == 3 || [" ", "-"].contains(line.dropFirst(3).first))
        }
    }

    /// The server's reply to "EHLO" inside TLS: from "250-HOSTNAME" (or "250 HOSTNAME") to the last "250 " line.
    func ehloReply(hostname: String = LiveListener.hostname) -> [String] {
        let lines = replyLinesAfterHandshake
        guard let start = lines.firstIndex(where: { $0 == "250-\(hostname)" || $0 == "250 \(hostname)" }) else {
            return []
        }
        var reply: [String] = []
        for line in lines[start...] {
            reply.append(line)
            if line.hasPrefix("250 ") { break }
        }
        return reply
    }
}

/// `openssl s_client` against a live listener, bounded by coreutils' timeout so a server that hangs fails the test
/// instead of stalling it.
enum SClient {
    /// Connects to 127.0.0.1:`port` (with `-starttls smtp` unless `starttls` is false), writes `input` (raw CRLF) and
    /// reads until the server closes (`-ign_eof`; the input should end with QUIT).
    static func run(
        port: Int, starttls: Bool = true, _ extra: [String] = [], input: String = "QUIT\r\n", seconds: Int = 20
    ) throws -> SClientSession {
        var arguments = ["-k", "5", String(seconds), "openssl", "s_client"]
        if starttls { arguments += ["-starttls", "smtp"] }
        arguments += ["-connect", "127.0.0.1:\(port)", "-ign_eof"] + extra
        let result = try Subprocess.run("timeout", arguments, stdin: Data(input.utf8))
        return SClientSession(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

/// Facts about a certificate, read by the openssl command (an oracle independent of the code under test).
enum CertificateFacts {
    static func fingerprint(pem: String) throws -> String {
        let result = try Subprocess.openssl(["x509", "-noout", "-fingerprint", "-sha256"], stdin: Data(pem.utf8))
        return String(result.stdout.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// "id-ecPublicKey" or "rsaEncryption".
    static func publicKeyAlgorithm(pem: String) throws -> String? {
        let text = try Subprocess.openssl(["x509", "-noout", "-text"], stdin: Data(pem.utf8)).stdout
        return text.split(whereSeparator: \.isNewline).first { $0.contains("Public Key Algorithm:") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
    }
}

/// swaks, Debian's SMTP test client, bounded by coreutils' timeout.
enum Swaks {
    static func send(_ arguments: [String], seconds: Int = 30) throws -> Subprocess.Result {
        try Subprocess.run("timeout", ["-k", "5", String(seconds), "swaks"] + arguments)
    }
}

/// A Python script run by Debian's python3 (so smtplib is the distribution's), bounded by coreutils' timeout.
enum PythonScript {
    static func run(_ script: String, _ arguments: [String] = [], seconds: Int = 30) throws -> Subprocess.Result {
        let directory = try TemporaryDirectory("mailcert-python")
        let path = try directory.write("client.py", script)
        return try withExtendedLifetime(directory) {
            try Subprocess.run("timeout", ["-k", "5", String(seconds), "/usr/bin/python3", path] + arguments)
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` have passed; true when it held.
func eventually(within seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return true }
        if Date() > end { return false }
        usleep(20_000)
    }
}

/// How a child of this test process ended, read without reaping it (waitid WNOWAIT), so `BackgroundProcess` still
/// reaps it as usual. nil while it runs after `seconds` of waiting.
enum ChildExit {
    enum Outcome: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    static func wait(pid: Int32, seconds: Double) -> Outcome? {
        let end = Date().addingTimeInterval(seconds)
        while true {
            var info = siginfo_t()
            let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if result == 0 && info._sifields._sigchld.si_pid == pid {
                let status = info._sifields._sigchld.si_status
                return info.si_code == Int32(CLD_EXITED) ? .exited(status) : .signaled(status)
            }
            if result != 0 && errno != EINTR { return nil }
            if Date() > end { return nil }
            usleep(20_000)
        }
    }
}

/// The log lines of `log` that contain every one of `fragments`.
func logLines(_ log: String, containing fragments: String...) -> [String] {
    log.split(whereSeparator: \.isNewline).map(String.init).filter { line in fragments.allSatisfy { line.contains($0) }
    }
}
