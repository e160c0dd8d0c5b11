import Foundation
import MailcertSystem

/// Debian's dnsmasq serving a fixed zone on 127.0.0.1 (or ::1), UDP and TCP, on a port the test picks; stopped by
/// PID when released. `records` are dnsmasq options such as `--mx-host=example.test,mx1.example.test,10`.
///
/// `--local=/test/` makes unknown names under .test NXDOMAIN; other names are REFUSED (there is no upstream).
public final class DnsmasqServer: @unchecked Sendable {
    public static let executable = "/usr/sbin/dnsmasq"
    public let port: Int
    public let listen: String
    private let directory: TemporaryDirectory
    private let process: BackgroundProcess

    public init(records: [String], listen: String = "127.0.0.1") throws {
        directory = try TemporaryDirectory("mailcert-dnsmasq")
        port = FreePort.pick()
        self.listen = listen
        let arguments = [
            "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file", "--no-resolv", "--no-hosts",
            "--log-facility=-", "--log-queries", "--listen-address=\(listen)", "--bind-interfaces", "--port=\(port)",
            "--local=/test/",
        ]
        process = try BackgroundProcess(
            Self.executable, arguments + records, log: directory.path("dnsmasq.log"), stopSignal: SIGKILL)
        // dnsmasq answers on TCP as soon as on UDP: a TCP accept means it is ready.
        try FreePort.waitUntilListening(port, host: listen, server: process)
    }

    /// "127.0.0.1:PORT" or "[::1]:PORT", as `--resolver` takes it.
    public var address: String { Endpoint(host: listen, port: port).description }

    public func log() -> String { process.log() }
}
