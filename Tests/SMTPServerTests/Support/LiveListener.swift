import Foundation
import MailcertTestSupport

/// `mailcert serve` as an administrator runs it: the real binary, a store of its own, a Maildir, 127.0.0.1 on a port
/// the test picked; stopped by PID (SIGTERM) when the test lets go of it.
final class LiveListener: @unchecked Sendable {
    static let hostname = "mx.listener.test"

    let runner: MailcertRunner
    let port: Int
    let implicitPort: Int?
    let maildir: URL
    private(set) var process: BackgroundProcess?

    /// A store with one self-signed certificate per name (ECDSA P-256 unless `keyTypes` says otherwise).
    init(certificates: [String] = [hostname], keyTypes: [String: String] = [:]) throws {
        runner = try MailcertRunner()
        for name in certificates {
            let result = try runner.run(
                ["request", "-d", name, "--self-signed", "--key-type", keyTypes[name] ?? "ecdsa-p256"])
            guard result.status == 0 else { throw TestSupportError("cannot make \(name): \(result.output)") }
        }
        port = FreePort.pick()
        implicitPort = FreePort.pick()
        maildir = runner.state.url.appendingPathComponent("Maildir", isDirectory: true)
    }

    /// Starts `mailcert serve` serving `certificates` and waits until it accepts connections. `environment` adds to
    /// this process's; JOURNAL_STREAM is cleared unless given (a test run under systemd would get journal lines).
    @discardableResult
    func start(
        serving certificates: [String] = [hostname], implicitTLS: Bool = false, _ extra: [String] = [],
        environment: [String: String] = [:]
    ) throws -> LiveListener {
        var arguments = [
            "serve", "--state-dir", runner.stateDirectory, "--listen", "127.0.0.1:\(port)", "--hostname", Self.hostname,
            "--maildir", maildir.path, "--log-level", "debug",
        ]
        for name in certificates { arguments += ["--cert", name] }
        if implicitTLS, let implicitPort { arguments += ["--implicit-tls", "127.0.0.1:\(implicitPort)"] }
        let server = try BackgroundProcess(
            MailcertRunner.binary, arguments + extra, environment: ["JOURNAL_STREAM": ""].merging(environment) { $1 },
            log: runner.state.path("serve.log"), keeping: runner.state)
        process = server
        try FreePort.waitUntilListening(port, server: server)
        if implicitTLS, let implicitPort { try FreePort.waitUntilListening(implicitPort, server: server) }
        return self
    }

    func stop() { process?.stop() }

    deinit { process?.stop() }

    var log: String { process?.log() ?? "" }

    /// Waits up to `seconds` for `text` to appear in the listener's log.
    func waitForLog(_ text: String, seconds: Double = 10) -> Bool {
        for _ in 0..<Int(seconds * 50) {
            if log.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    /// The messages delivered so far, oldest first.
    func delivered() -> [String] {
        let new = maildir.appendingPathComponent("new")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted()
        return names.compactMap { try? String(contentsOf: new.appendingPathComponent($0), encoding: .utf8) }
    }

    /// The current leaf of `name` in the store, and its SHA-256 thumbprint as `openssl x509 -fingerprint` prints it.
    func currentFingerprint(_ name: String = hostname) throws -> String {
        let path = "\(runner.stateDirectory)/certs/\(name)/current/cert.pem"
        let result = try Subprocess.openssl(["x509", "-in", path, "-noout", "-fingerprint", "-sha256"])
        return String(result.stdout.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
