import Foundation

/// Debian's real Exim as a private daemon for a test: `exim4 -bdf -oX PORT -C CONFIG` on 127.0.0.1, with its own
/// minimal configuration, spool, log and PID file in a temporary directory, stopped by PID. Its TLS certificate and
/// key are the macros mailcert deploys (MAIN_TLS_CERTIFICATE, MAIN_TLS_PRIVATEKEY): the configuration
/// `.include_if_exists` the deployed macros file, so a reload (SIGHUP: Exim re-executes itself and reads its
/// configuration and TLS files again) picks up what `enable` or `renew` wrote. A system Exim is not touched.
///
/// Debian's exim4 conflicts with postfix at install time, so without /usr/sbin/exim4 the binary comes from the
/// packages themselves: `apt-get download` (after `apt-get update`, as CI runs it) and `dpkg -x` into
/// `/var/tmp/mailcert-exim`, once, reused by later runs. Debian's build insists on its `Debian-exim` user (and
/// refuses uid 0 for it); rather than create one on the host, the daemon runs in a private mount namespace
/// (`unshare --mount`) whose /etc/passwd and /etc/group are copies with `Debian-exim` added as nobody's uid in
/// group 0, so after a SIGHUP re-exec, no longer root, it still reads the root-owned 0640 key and macros (the host
/// has no Debian-exim group for mailcert to give the key to). Exim re-executes its compiled-in /usr/sbin/exim4 with
/// LD_* removed, so an unpacked exim also gets /usr/sbin and /etc/ld.so.cache bound over in that namespace.
/// Runs as root.
public final class EximServer: @unchecked Sendable {
    public static let cache = "/var/tmp/mailcert-exim"
    static let packages = ["exim4-daemon-light", "exim4-base", "exim4-config", "libidn12"]

    /// Root, a mount namespace of its own (unshare), and an exim4 that is installed, unpacked already, or
    /// downloadable (apt knows the package).
    public static let shouldRun: Bool = {
        guard geteuid() == 0, (try? Subprocess.run("/usr/bin/unshare", ["--mount", "/bin/true"]))?.status == 0 else {
            return false
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/sbin/exim4")
            || FileManager.default.isExecutableFile(atPath: "\(cache)/root/usr/sbin/exim4")
        {
            return true
        }
        let known = try? Subprocess.run("/usr/bin/apt-cache", ["show", "--no-all-versions", "exim4-daemon-light"])
        return known?.status == 0
    }()

    public let hostname: String
    public let port: Int
    public let directory: TemporaryDirectory
    /// The executable to pass as `--reload-hook`: records the call, then sends the daemon SIGHUP.
    public let reloadHook: String
    private var process: BackgroundProcess?

    /// - Parameter macros: the file mailcert deploys Exim's TLS macros into (exim4.conf.localmacros, or
    ///   conf.d/main/00_mailcert); until it exists Exim offers STARTTLS with a certificate of its own.
    public init(hostname: String, macros: String) throws {
        let libraries = try Self.obtain().libraries
        self.hostname = hostname
        port = FreePort.pick()
        directory = try TemporaryDirectory("mailcert-exim")
        chmod(directory.url.path, 0o755)
        for name in ["spool", "log"] {
            try FileManager.default.createDirectory(atPath: directory.path(name), withIntermediateDirectories: true)
            chown(directory.path(name), 65534, 65534)
        }
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let group = try String(contentsOfFile: "/etc/group", encoding: .utf8)
        _ = try directory.write("passwd", passwd + "Debian-exim:x:65534:0::/nonexistent:/usr/sbin/nologin\n")
        _ = try directory.write("group", group + "Debian-exim:x:0:\n")
        let config = try directory.write(
            "exim.conf", Self.configuration(directory: directory.url.path, hostname: hostname, macros: macros))
        chmod(config, 0o644)
        let calls = directory.path("reload.log")
        reloadHook = try directory.write(
            "reload-exim",
            "#!/bin/sh\necho \"reload $MAILCERT_SERVICE $MAILCERT_NAME\" >> '\(calls)'\n"
                + "kill -HUP \"$(cat '\(directory.path("exim.pid"))')\" && echo 'exim: SIGHUP sent'\n")
        chmod(reloadHook, 0o755)
        // Exim re-executes its compiled-in /usr/sbin/exim4 on SIGHUP, with LD_* variables gone: an unpacked one is
        // bound over /usr/sbin, and a loader cache that also lists its libraries over /etc/ld.so.cache.
        var sbin = ""
        if let libraries {
            let conf = try directory.write("ld.so.conf", "\(libraries)\ninclude /etc/ld.so.conf.d/*.conf\n")
            let cache = directory.path("ld.so.cache")
            let built = try Subprocess.run("/sbin/ldconfig", ["-X", "-C", cache, "-f", conf])
            guard built.status == 0 else { throw TestSupportError("ldconfig -C \(cache) failed: \(built.output)") }
            sbin = " && mount --bind \(Self.cache)/root/usr/sbin /usr/sbin && mount --bind \(cache) /etc/ld.so.cache"
        }
        let script =
            "mount --bind \"$1\" /etc/passwd && mount --bind \"$2\" /etc/group\(sbin) && shift 2 && exec \"$@\""
        process = try BackgroundProcess(
            "/usr/bin/unshare",
            ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", directory.path("passwd"),
             directory.path("group"), "/usr/sbin/exim4", "-bdf", "-oX", "\(port)", "-oP", directory.path("exim.pid"),
             "-C", config],
            log: directory.path("daemon.log"))
        do { try FreePort.waitUntilListening(port, seconds: 10, server: process) } catch {
            throw TestSupportError("exim does not listen on 127.0.0.1:\(port): \(error)\n\(self.log())")
        }
    }

    deinit { stop() }

    /// The daemon's output and Exim's main and panic logs.
    public func log() -> String {
        ["daemon.log", "log/mainlog", "log/paniclog"].map { "\($0): " + ((try? directory.read($0)) ?? "") }
            .joined(separator: "\n")
    }

    public func stop() {
        process?.stop()
        process = nil
    }

    private static func configuration(directory dir: String, hostname: String, macros: String) -> String {
        """
            # A private Exim for a test: STARTTLS with the deployed certificate; every recipient is refused.
            .include_if_exists \(macros)
            primary_hostname = \(hostname)
            spool_directory = \(dir)/spool
            log_file_path = \(dir)/log/%slog
            pid_file_path = \(dir)/exim.pid
            local_interfaces = <; 127.0.0.1
            keep_environment =
            host_lookup =
            rfc1413_hosts =
            tls_advertise_hosts = *
            .ifdef MAIN_TLS_CERTIFICATE
            tls_certificate = MAIN_TLS_CERTIFICATE
            tls_privatekey = MAIN_TLS_PRIVATEKEY
            .endif
            acl_smtp_rcpt = refuse
            begin acl
            refuse:
              deny message = this test instance accepts no mail
            begin routers
            begin transports

            """
    }

    /// The exim4 binary, and the directory of the libraries unpacked with it (nil for the system's).
    static func obtain() throws -> (exim: String, libraries: String?) {
        if FileManager.default.isExecutableFile(atPath: "/usr/sbin/exim4") { return ("/usr/sbin/exim4", nil) }
        let root = "\(cache)/root"
        if !FileManager.default.isExecutableFile(atPath: "\(root)/usr/sbin/exim4") { try unpack(into: root) }
        let lib = "\(root)/usr/lib"
        let multiarch = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? [])
            .first { $0.hasSuffix("-linux-gnu") }
        return ("\(root)/usr/sbin/exim4", multiarch.map { "\(lib)/\($0)" })
    }

    /// apt-get download and dpkg -x into a fresh directory, renamed into place only when complete (another test
    /// process may be doing the same).
    private static func unpack(into root: String) throws {
        let work = "\(cache)/work-\(getpid())"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: "\(work)/root", withIntermediateDirectories: true)
        chmod(cache, 0o755)
        let download = try Subprocess.run(
            "/bin/sh", ["-c", "cd \"$1\" && shift && apt-get download \"$@\"", "sh", work] + packages)
        guard download.status == 0 else {
            throw TestSupportError("apt-get download \(packages.joined(separator: " ")) failed (run apt-get update?): "
                + download.output)
        }
        for deb in try FileManager.default.contentsOfDirectory(atPath: work) where deb.hasSuffix(".deb") {
            let unpacked = try Subprocess.run("/usr/bin/dpkg", ["-x", "\(work)/\(deb)", "\(work)/root"])
            guard unpacked.status == 0 else { throw TestSupportError("dpkg -x \(deb) failed: \(unpacked.output)") }
        }
        if rename("\(work)/root", root) != 0 && !FileManager.default.fileExists(atPath: "\(root)/usr/sbin/exim4") {
            throw TestSupportError("cannot move the unpacked exim to \(root): errno \(errno)")
        }
        try? FileManager.default.removeItem(atPath: work)
    }
}
