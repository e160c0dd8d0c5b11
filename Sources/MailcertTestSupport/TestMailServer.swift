import Foundation

/// Mail servers a test starts on 127.0.0.1 (or ::1) on a port it picks, stopped by PID when released (with
/// SIGKILL: they keep no state worth a graceful stop).
public enum TestMailServer {
    /// Debian's python3-aiosmtpd: a real STARTTLS SMTP server serving `certificate` (a file with the leaf first and
    /// its chain after it) and `key`.
    public static func aiosmtpd(
        certificate: String, key: String, host: String = "127.0.0.1", port: Int? = nil
    ) throws
        -> (server: BackgroundProcess, port: Int)
    {
        let port = port ?? FreePort.pick()
        // aiosmtpd splits HOST:PORT at the last colon and wants no brackets around an IPv6 address.
        let listen = "\(host):\(port)"
        let log = try TemporaryDirectory("aiosmtpd")
        let server = try BackgroundProcess(
            "/usr/bin/python3",
            ["-m", "aiosmtpd", "-n", "-l", listen, "--tlscert", certificate, "--tlskey", key, "--no-requiretls"],
            log: log.path("log"), keeping: log, stopSignal: SIGKILL)
        try FreePort.waitUntilListening(port, host: host, server: server)
        return (server, port)
    }

    /// `openssl s_server`: implicit TLS from the first byte, as on port 465.
    public static func implicitTLS(
        certificate: String, key: String, chain: String?
    ) throws -> (server: BackgroundProcess, port: Int) {
        let port = FreePort.pick()
        let log = try TemporaryDirectory("s_server")
        var arguments = [
            "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-naccept", "1000",
        ]
        if let chain { arguments += ["-cert_chain", chain] }
        let server = try BackgroundProcess(
            "openssl", arguments, log: log.path("log"), keeping: log, stopSignal: SIGKILL)
        try FreePort.waitUntilListening(port, server: server)
        return (server, port)
    }

    /// The misbehaving server of the check tests (`mode` is one of its functions).
    public static func misbehaving(
        _ mode: String, script: String, certificate: String, key: String
    ) throws
        -> (server: BackgroundProcess, port: Int)
    {
        let port = FreePort.pick()
        let log = try TemporaryDirectory("misbehaving")
        let server = try BackgroundProcess(
            "/usr/bin/python3", [script, mode, String(port), certificate, key], log: log.path("log"), keeping: log,
            stopSignal: SIGKILL)
        try FreePort.waitUntilListening(port, server: server)
        return (server, port)
    }
}
