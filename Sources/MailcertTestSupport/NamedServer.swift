import Foundation

/// Debian's BIND 9 `named` as a private primary server: its configuration, zone files, journal and keys under one
/// temporary directory, authoritative for `zone` on 127.0.0.1 (UDP and TCP) at a port the test picks, accepting DNS
/// UPDATEs signed with the TSIG keys it made with `tsig-keygen` (hmac-sha256 and hmac-sha512). No recursion, no
/// rndc; stopped by PID when released. A system named, if any, is not touched.
///
/// Install with scripts/install-deps.sh (Debian's bind9, bind9-utils and bind9-dnsutils: named, tsig-keygen,
/// nsupdate and dig).
public final class NamedServer: @unchecked Sendable {
    public static let executable = "/usr/sbin/named"

    /// In CI a missing named is a failure, so the tests run there regardless; elsewhere they skip without it.
    public static var shouldRun: Bool {
        ["/usr/sbin/named", "/usr/sbin/tsig-keygen", "/usr/bin/nsupdate", "/usr/bin/dig"]
            .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    public let zone: String
    public let port: Int
    public let directory: TemporaryDirectory
    private var process: BackgroundProcess?

    /// The key files the server accepts, as `tsig-keygen` wrote them (BIND syntax).
    public var sha256KeyFile: String { directory.path("update-sha256.key") }
    public var sha512KeyFile: String { directory.path("update-sha512.key") }
    public let sha256KeyName = "mailcert-update"
    public let sha512KeyName = "mailcert-update-512"

    /// `records` are zone-file lines added after the SOA, NS and the name server's A record.
    public init(zone: String = "example.test", records: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw TestSupportError("\(Self.executable) is missing: install bind9 (scripts/install-deps.sh)")
        }
        self.zone = zone
        port = FreePort.pick()
        directory = try TemporaryDirectory("mailcert-named")
        for (name, algorithm, file) in [
            (sha256KeyName, "hmac-sha256", sha256KeyFile), (sha512KeyName, "hmac-sha512", sha512KeyFile),
        ] {
            let made = try Subprocess.run("tsig-keygen", ["-a", algorithm, name])
            guard made.status == 0 else { throw TestSupportError("tsig-keygen -a \(algorithm): \(made.output)") }
            _ = try directory.write(URL(fileURLWithPath: file).lastPathComponent, made.stdout)
        }
        let zoneFile = """
            $TTL 60
            @ IN SOA ns1.\(zone). hostmaster.\(zone). 1 60 60 600 60
            @ IN NS ns1.\(zone).
            ns1 IN A 127.0.0.1

            """ + records.map { $0 + "\n" }.joined()
        _ = try directory.write("zone.db", zoneFile)
        let dir = directory.path("")
        _ = try directory.write(
            "named.conf",
            """
            include "\(sha256KeyFile)";
            include "\(sha512KeyFile)";
            options {
                directory "\(dir)";
                pid-file "\(directory.path("named.pid"))";
                session-keyfile "\(directory.path("session.key"))";
                listen-on port \(port) { 127.0.0.1; };
                listen-on-v6 { none; };
                recursion no;
                dnssec-validation no;
                notify no;
            };
            controls { };
            zone "\(zone)" {
                type primary;
                file "\(directory.path("zone.db"))";
                allow-update { key "\(sha256KeyName)"; key "\(sha512KeyName)"; };
            };

            """)
        let named = try BackgroundProcess(
            Self.executable, ["-g", "-c", directory.path("named.conf")], log: directory.path("named.log"))
        process = named
        try FreePort.waitUntilListening(port, server: named)
        // TCP may come up before the zone is loaded: wait until it answers the SOA.
        for _ in 0..<200 {
            if try dig(zone, "SOA").contains(where: { $0.contains("hostmaster") }) { return }
            usleep(25_000)
        }
        throw TestSupportError("named did not load \(zone): \(named.log())")
    }

    deinit { stop() }

    /// "127.0.0.1:PORT", as `--dns-update` and `--dns-authoritative` take it.
    public var address: String { "127.0.0.1:\(port)" }

    public func log() -> String { process?.log() ?? "" }

    public func stop() { process?.stop() }

    /// `dig +short` against this server: the independent view of what the zone holds.
    public func dig(_ name: String, _ type: String) throws -> [String] {
        let result = try Subprocess.run(
            "dig", ["@127.0.0.1", "-p", String(port), "+short", "+norecurse", "+tcp", name, type])
        guard result.status == 0 else { throw TestSupportError("dig \(name) \(type): \(result.output)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// Runs `nsupdate -k KEYFILE` with `commands` ("update add NAME TTL TXT VALUE"), then "send".
    @discardableResult
    public func nsupdate(_ commands: [String], keyFile: String? = nil) throws -> Subprocess.Result {
        let script = ["server 127.0.0.1 \(port)", "zone \(zone)"] + commands + ["send", ""]
        return try Subprocess.run(
            "nsupdate", ["-k", keyFile ?? sha256KeyFile], stdin: Data(script.joined(separator: "\n").utf8))
    }
}
