import Foundation

/// Debian's Pebble ACME test CA and pebble-challtestsrv (its DNS), on 127.0.0.1 with ports picked here.
///
/// challtestsrv answers every A query with 127.0.0.1 and no AAAA (Pebble dials the AAAA answer first), so http-01
/// validations come to `httpPort` on this machine; TXT records for dns-01 are set through its management API.
public final class PebbleServer: @unchecked Sendable {
    public static var isInstalled: Bool {
        ["/usr/bin/pebble", "/usr/bin/pebble-challtestsrv"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// In CI a missing Pebble is a failure, so the tests run there regardless; elsewhere they skip without it.
    public static var shouldRun: Bool { isInstalled || ProcessInfo.processInfo.environment["CI"] != nil }

    public let directory: TemporaryDirectory
    public let listenPort = FreePort.pick()
    public let managementPort = FreePort.pick()
    public let httpPort = FreePort.pick()
    public let dnsPort = FreePort.pick()
    public let challengeManagementPort = FreePort.pick()
    private var pebble: BackgroundProcess?
    private var challtestsrv: BackgroundProcess?

    public var directoryURL: String { "https://127.0.0.1:\(listenPort)/dir" }
    /// The root that signs Pebble's own HTTPS certificate: pass as --ca-bundle.
    public var caBundle: String { directory.path("pebble-tls.pem") }

    /// Starts both servers. `environment` adds PEBBLE_* settings; `eabKeys` turns External Account Binding on;
    /// `dnsServer` ("127.0.0.1:PORT", e.g. a `NamedServer`) is where Pebble looks up dns-01 records instead of
    /// challtestsrv.
    public init(
        environment: [String: String] = [:], eabKeys: [String: String]? = nil, dnsServer: String? = nil
    ) throws {
        directory = try TemporaryDirectory("pebble")
        try Subprocess.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory.path("pebble-tls.key"), "-out", caBundle, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        var pebbleConfig: [String: Any] = [
            "listenAddress": "127.0.0.1:\(listenPort)", "managementListenAddress": "127.0.0.1:\(managementPort)",
            "certificate": caBundle, "privateKey": directory.path("pebble-tls.key"), "httpPort": httpPort, "tlsPort": FreePort.pick(),
            "ocspResponderURL": "", "externalAccountBindingRequired": eabKeys != nil,
        ]
        if let eabKeys { pebbleConfig["externalAccountMACKeys"] = eabKeys }
        try directory.write("pebble.json", try JSONSerialization.data(withJSONObject: ["pebble": pebbleConfig]))
        challtestsrv = try BackgroundProcess(
            "pebble-challtestsrv",
            ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:\(dnsPort)", "-http01", "", "-https01", "",
             "-tlsalpn01", "", "-management", "127.0.0.1:\(challengeManagementPort)"],
            log: directory.path("challtestsrv.log"))
        try FreePort.waitUntilListening(challengeManagementPort)
        pebble = try BackgroundProcess(
            "pebble", ["-config", directory.path("pebble.json"), "-dnsserver", dnsServer ?? "127.0.0.1:\(dnsPort)"],
            environment: ["PEBBLE_VA_NOSLEEP": "1"].merging(environment) { $1 }, log: directory.path("pebble.log"))
        try FreePort.waitUntilListening(listenPort)
        try FreePort.waitUntilListening(managementPort)
    }

    /// PEM of Pebble's issuing root number `index` (0 is the default chain's; more with PEBBLE_ALTERNATE_ROOTS).
    public func rootPEM(_ index: Int = 0) throws -> String {
        try curl(["--cacert", caBundle, "https://127.0.0.1:\(managementPort)/roots/\(index)"])
    }

    /// Pebble's view of a certificate it issued: "Valid" or "Revoked" (serial in lower-case hex).
    public func certificateStatus(serial: String) throws -> String {
        let json = try curl(["--cacert", caBundle, "https://127.0.0.1:\(managementPort)/cert-status-by-serial/\(serial.lowercased())"])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return object?["Status"] as? String ?? "unknown"
    }

    /// Pebble's log so far: every request it served, for counting and for failure messages.
    public func log() -> String { pebble?.log() ?? "" }

    /// The challtestsrv management URL a dns-01 hook posts `set-txt`/`clear-txt` to.
    public var challengeManagementURL: String { "http://127.0.0.1:\(challengeManagementPort)" }

    public var pebblePID: Int32? { pebble?.pid }

    public func stop() {
        pebble?.stop()
        challtestsrv?.stop()
    }

    deinit { stop() }

    private func curl(_ arguments: [String]) throws -> String {
        let result = try Subprocess.run("curl", ["-sS", "--fail"] + arguments)
        guard result.status == 0 else { throw TestSupportError("curl \(arguments.joined(separator: " ")): \(result.output)") }
        return result.stdout
    }
}
