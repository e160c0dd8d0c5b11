import Foundation

/// Debian's Postfix as a private instance: its own configuration, queue and data directories, log and Maildir
/// under one temporary directory, listening on 127.0.0.1 on a port the test picks, with STARTTLS serving the
/// certificate the test gives it. A system Postfix, if there is one, is not touched.
///
/// Every recipient in `hostname`'s domain is delivered by virtual(8) into one Maildir (`messages()`); nothing is sent
/// anywhere else and no name is looked up in DNS. Postfix asks for a client certificate (without requiring one) and
/// records the TLS details and the client certificate in its Received header. Started with `postfix -c DIR start`,
/// stopped with `postfix -c DIR stop`, and by PID (the master, then whatever it left) when that does not work.
///
/// Postfix's master must start as root. Install with scripts/install-deps.sh (Debian's `postfix` package, preseeded
/// to "No configuration" so the system's mail setup is left alone).
public final class PostfixServer: @unchecked Sendable {
    public static let executable = "/usr/sbin/postfix"
    static let installHint = "install Debian's postfix (scripts/install-deps.sh) and run the tests as root"

    /// In CI a missing Postfix is a failure, so the tests run there regardless; elsewhere they skip without it.
    public static var shouldRun: Bool {
        (FileManager.default.isExecutableFile(atPath: executable) && geteuid() == 0)
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// The name it greets with, and the domain it delivers for.
    public let hostname: String
    public let port: Int
    public let directory: TemporaryDirectory
    private var masterPID: pid_t?

    /// - Parameters:
    ///   - certificate: the leaf first, then its chain (a `MintedLeaf.fullchainPath`).
    ///   - key: the leaf's key.
    ///   - settings: main.cf parameters added after the defaults (a later line wins in Postfix).
    public init(hostname: String, certificate: String, key: String, settings: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw TestSupportError("\(Self.executable) is missing: \(Self.installHint)")
        }
        guard geteuid() == 0 else { throw TestSupportError("Postfix's master starts as root: \(Self.installHint)") }
        self.hostname = hostname
        port = FreePort.pick()
        directory = try TemporaryDirectory("mailcert-postfix")
        try prepareDirectories()
        try directory.write("conf/main.cf", try mainCF(certificate: certificate, key: key, settings: settings))
        try directory.write("conf/master.cf", try masterCF())
        try start()
    }

    deinit { stop() }

    public var configDirectory: String { directory.path("conf") }

    /// The Maildir every message goes to.
    public var maildir: URL { directory.url.appendingPathComponent("mail/Maildir", isDirectory: true) }

    /// Postfix's own log (maillog_file): smtpd's TLS lines, the queue ids, the deliveries.
    public func maillog() -> String { (try? directory.read("maillog")) ?? "" }

    /// Every delivered message, oldest name first.
    public func messages() -> [String] {
        let new = maildir.appendingPathComponent("new")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted()
        return names.compactMap { try? String(contentsOf: new.appendingPathComponent($0), encoding: .utf8) }
    }

    /// Waits (up to `seconds`) until at least `count` messages are in the Maildir and nothing is left in the queue,
    /// so a count taken afterwards is final; returns the messages.
    public func waitForMessages(_ count: Int, seconds: Double = 30) -> [String] {
        let end = Date().addingTimeInterval(seconds)
        while true {
            let delivered = messages()
            if (delivered.count >= count && queueIsEmpty) || Date() > end { return delivered }
            usleep(20_000)
        }
    }

    /// No message waits in any of the queue's directories (received, being delivered, deferred or held).
    public var queueIsEmpty: Bool {
        ["maildrop", "incoming", "active", "deferred", "hold"].allSatisfy { name in
            let queue = directory.url.appendingPathComponent("queue/\(name)").path
            guard let entries = FileManager.default.enumerator(atPath: queue) else { return true }
            return !entries.contains { entry in
                var isDirectory: ObjCBool = false
                let path = "\(queue)/\(entry)"
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
        }
    }

    /// `postfix -c DIR stop`, then waits for the master to go; if it stays, kills it and what it started by PID.
    public func stop() {
        guard let master = masterPID else { return }
        masterPID = nil
        let children = Self.children(of: master)
        _ = try? Subprocess.run(Self.executable, ["-c", configDirectory, "stop"])
        if Self.waitUntilGone(master, seconds: 10) { return }
        kill(master, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        _ = Self.waitUntilGone(master, seconds: 5)
    }

    // MARK: - Setup

    /// The instance's directories: the top one reachable by Postfix's unprivileged daemons, the data directory
    /// theirs, the Maildir's parent owned by the user virtual(8) delivers as.
    private func prepareDirectories() throws {
        for name in ["conf", "queue", "data", "mail"] {
            try FileManager.default.createDirectory(
                atPath: directory.path(name), withIntermediateDirectories: true)
        }
        chmod(directory.url.path, 0o755)
        let postfix = try Self.account("postfix")
        let nobody = try Self.account("nobody")
        guard chown(directory.path("data"), postfix.uid, postfix.gid) == 0, chmod(directory.path("data"), 0o700) == 0,
            chown(directory.path("mail"), nobody.uid, nobody.gid) == 0
        else { throw TestSupportError("cannot hand the Postfix directories to their users: errno \(errno)") }
    }

    private func mainCF(certificate: String, key: String, settings: [String: String]) throws -> String {
        let dir = directory.url.path
        let nobody = try Self.account("nobody")
        var lines = [
            "# A private instance for a test: its own configuration, queue, data directory, log, port and Maildir.",
            "compatibility_level = 3.6",
            "queue_directory = \(dir)/queue",
            "data_directory = \(dir)/data",
            "maillog_file = \(dir)/maillog",
            "maillog_file_prefixes = \(dir)",
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "myhostname = \(hostname)",
            "myorigin = \(hostname)",
            "mydestination =",
            "alias_maps =",
            "alias_database =",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "biff = no",
            "smtpd_peername_lookup = no",
            "notify_classes =",
            "# Only the Maildir: anything else (a bounce to a sender, a postmaster notice) goes nowhere.",
            "default_transport = error:this test instance delivers only to its Maildir",
            "relay_transport = error:this test instance delivers only to its Maildir",
            "local_transport = error:this test instance delivers only to its Maildir",
            "virtual_mailbox_domains = \(hostname)",
            "virtual_mailbox_base = \(dir)/mail",
            "virtual_mailbox_maps = static:Maildir/",
            "virtual_uid_maps = static:\(nobody.uid)",
            "virtual_gid_maps = static:\(nobody.gid)",
            "virtual_minimum_uid = 1",
            "smtpd_tls_chain_files = \(key), \(certificate)",
            "smtpd_tls_security_level = may",
            "smtpd_tls_loglevel = 1",
            "smtpd_tls_ask_ccert = yes",
            "smtpd_tls_received_header = yes",
        ]
        lines += settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Debian's master.cf with the smtp service moved to our port, and no chroot (a chroot would need a copy of
    /// /etc inside the private queue directory).
    private func masterCF() throws -> String {
        let system = try String(contentsOfFile: "/etc/postfix/master.cf", encoding: .utf8)
        var foundSMTP = false
        let lines = system.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let first = line.first, first != "#", !first.isWhitespace else { return String(line) }
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 8 else { return String(line) }
            if fields[0] == "smtp" && fields[1] == "inet" {
                fields[0] = "127.0.0.1:\(port)"
                foundSMTP = true
            }
            fields[4] = "n"
            return fields.joined(separator: " ")
        }
        guard foundSMTP else { throw TestSupportError("/etc/postfix/master.cf has no smtp inet service") }
        return lines.joined(separator: "\n")
    }

    private func start() throws {
        let result = try Subprocess.run(Self.executable, ["-c", configDirectory, "start"])
        guard result.status == 0 else {
            throw TestSupportError("postfix -c \(configDirectory) start failed: \(result.output)\n\(maillog())")
        }
        let pidFile = directory.path("queue/pid/master.pid")
        let end = Date().addingTimeInterval(10)
        while masterPID == nil {
            let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
            masterPID = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            guard masterPID == nil else { break }
            guard Date() < end else { throw TestSupportError("postfix wrote no \(pidFile): \(maillog())") }
            usleep(20_000)
        }
        // The master binds its listening sockets before `postfix start` returns; this is a check, not a wait.
        while let master = masterPID, !FreePort.isListening(port) {
            guard kill(master, 0) == 0 else { throw TestSupportError("postfix exited: \(maillog())") }
            guard Date() < end else {
                throw TestSupportError("postfix does not listen on 127.0.0.1:\(port) after 10 s: \(maillog())")
            }
            usleep(20_000)
        }
    }

    // MARK: - Processes and users

    private static func account(_ name: String) throws -> (uid: uid_t, gid: gid_t) {
        guard let entry = getpwnam(name) else { throw TestSupportError("no user \(name) on this machine") }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// The PIDs whose parent is `parent`, from /proc.
    private static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // "PID (comm) STATE PPID ...": the command may hold spaces and parentheses, so split after the last ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent
        }
    }

    /// True once `pid` no longer exists (the master is not our child: init reaps it).
    private static func waitUntilGone(_ pid: pid_t, seconds: Double) -> Bool {
        for _ in 0..<Int(seconds * 50) {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            usleep(20_000)
        }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
