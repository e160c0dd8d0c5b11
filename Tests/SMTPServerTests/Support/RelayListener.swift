import Foundation
import MailcertTestSupport

/// `mailcert serve --relay 127.0.0.1:PORT` as an administrator runs it: the real binary, a store of its own (a
/// self-signed certificate for the listener, and any others a test asks for, e.g. a client certificate), 127.0.0.1
/// on a port the test picked; stopped by PID (SIGTERM) when the test lets go of it.
final class RelayListener: @unchecked Sendable {
    let runner: MailcertRunner
    let port: Int
    private(set) var process: BackgroundProcess?

    /// A store with a self-signed ECDSA certificate for `LiveListener.hostname` (what the listener serves), and one
    /// client certificate (extendedKeyUsage serverAuth,clientAuth, from a private test CA) per name in `clients`.
    init(clients: [String] = []) throws {
        runner = try MailcertRunner()
        let made = try runner.run(["request", "-d", LiveListener.hostname, "--self-signed", "--key-type", "ecdsa-p256"])
        guard made.status == 0 else { throw TestSupportError("cannot make the listener's certificate: \(made.output)") }
        if !clients.isEmpty {
            let ca = try TestCA(name: "Relay Client Test")
            for name in clients {
                let leaf = try ca.issue(LeafSpec([name], extendedKeyUsage: "serverAuth,clientAuth"))
                let bundle = runner.state.path("\(name).p12")
                _ = try Subprocess.openssl([
                    "pkcs12", "-export", "-inkey", leaf.keyPath, "-in", leaf.fullchainPath, "-out", bundle,
                    "-passout", "pass:",
                ])
                let imported = try runner.run(["import", "--name", name, "--pkcs12", bundle])
                guard imported.status == 0 else { throw TestSupportError("cannot import \(name): \(imported.output)") }
            }
        }
        port = FreePort.pick()
    }

    /// Starts `mailcert serve` relaying to 127.0.0.1:`upstreamPort` (nil: `extra` holds a --config that names the
    /// relay) and waits until it accepts connections.
    @discardableResult
    func start(upstreamPort: Int?, _ extra: [String] = []) throws -> RelayListener {
        var arguments = [
            "serve", "--state-dir", runner.stateDirectory, "--listen", "127.0.0.1:\(port)",
            "--hostname", LiveListener.hostname, "--cert", LiveListener.hostname, "--log-level", "debug",
        ]
        if let upstreamPort { arguments += ["--relay", "127.0.0.1:\(upstreamPort)"] }
        let server = try BackgroundProcess(
            MailcertRunner.binary, arguments + extra, log: runner.state.path("serve.log"), keeping: runner.state)
        process = server
        try FreePort.waitUntilListening(port, server: server)
        return self
    }

    deinit { process?.stop() }

    var log: String { process?.log() ?? "" }

    /// The log line of the session `send` had (written once the client has gone; the only one with TLS: the check
    /// for the listening port connects in clear), waited for up to `seconds`.
    func sessionLine(seconds: Double = 10) -> String? {
        for _ in 0..<Int(seconds * 50) {
            let lines = log.split(separator: "\n")
            if let line = lines.first(where: { $0.hasSuffix(" session") && $0.contains(" tls=TLSv") }) {
                return String(line)
            }
            usleep(20_000)
        }
        return nil
    }

    /// Sends one message through the listener with swaks (STARTTLS on the client side, unverified, as MTAs do).
    func send(subject: String, to recipient: String) throws -> Subprocess.Result {
        try Swaks.send([
            "--server", "127.0.0.1:\(port)", "--tls", "--helo", "client.relay.test", "--from", "alice@client.test",
            "--to", recipient, "--header", "Subject: \(subject)", "--body", "relayed by mailcert: \(subject)",
        ])
    }
}
