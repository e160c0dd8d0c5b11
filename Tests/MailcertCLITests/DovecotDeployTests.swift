import Foundation
import MailcertTestSupport
import Testing

/// `enable --service dovecot` against Debian's real Dovecot 2.3: a private instance (`dovecot -F -c CONFIG`, stopped
/// by PID) whose configuration, base_dir, state_dir, log and mail home live in the test's temporary directory, with
/// IMAPS on 127.0.0.1 at a port the test picks, first serving a leaf from a throwaway CA. mailcert must write
/// conf.d/99-mailcert.conf and the files it names, reload that instance through the shipped hooks/reload-dovecot
/// (which targets it through MAILCERT_DOVECOT_CONFIG, set from --dovecot-config-dir), and prove it; openssl is the
/// independent judge. A system Dovecot, if there is one, is not touched.
@Suite(
    "Dovecot deploy: enable against a real Dovecot", .serialized,
    .enabled(if: PrivateDovecot.shouldRun, "needs Debian's dovecot-core and dovecot-imapd, and root"))
struct DovecotDeployTests {
    static let host = "mx1.example.test"
    static func fingerprint(_ text: String) -> String {
        String(text.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func fingerprint(file: String) throws -> String {
        fingerprint(try Subprocess.openssl(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"]).stdout)
    }

    /// The SHA-256 fingerprint of the leaf Dovecot serves on its IMAPS port, as openssl s_client sees it.
    static func served(_ port: Int) throws -> String {
        let result = try Subprocess.run(
            "/bin/sh",
            ["-c", "openssl s_client -connect 127.0.0.1:\(port) -servername \(host) </dev/null 2>/dev/null "
                + "| openssl x509 -noout -fingerprint -sha256"])
        return fingerprint(result.stdout)
    }

    /// Login processes started before the reload may answer for a moment; wait for `expected`.
    static func waitUntilServed(_ expected: String, port: Int, seconds: Double = 10) throws -> String {
        let end = Date().addingTimeInterval(seconds)
        var seen = try served(port)
        while seen != expected && Date() < end {
            usleep(200_000)
            seen = try served(port)
        }
        return seen
    }

    @Test("enable writes 99-mailcert.conf, reloads the private Dovecot through the shipped hook; it serves the leaf")
    func enableServesStoredLeaf() throws {
        let ca = try TestCA(name: "Dovecot Before Mailcert")
        let before = try ca.issue(LeafSpec([Self.host]))
        let dovecot = try PrivateDovecot(certificate: before.fullchainPath, key: before.keyPath)
        defer { dovecot.stop() }
        let throwaway = try Self.fingerprint(file: before.certificatePath)
        #expect(try Self.served(dovecot.port) == throwaway, "\(dovecot.log())")

        let mailcert = try MailcertRunner()
        let requested = try mailcert.run(["request", "-d", Self.host, "--self-signed"])
        try #require(requested.status == 0, "\(requested.output)")
        let current = try Self.fingerprint(file: "\(mailcert.stateDirectory)/certs/\(Self.host)/current/cert.pem")

        // No --reload-hook: the shipped hooks/reload-dovecot, told the instance by MAILCERT_DOVECOT_CONFIG.
        let root = dovecot.directory.path("root")
        let enabled = try mailcert.run([
            "enable", "--name", Self.host, "--service", "dovecot", "--root", root,
            "--dovecot-config-dir", dovecot.configDirectory, "--connect", "127.0.0.1:\(dovecot.port)",
        ])
        #expect(enabled.status == 0, "\(enabled.output)\n\(dovecot.log())")
        let proven = "dovecot: proven: 127.0.0.1:\(dovecot.port) serves sha256"
        #expect(enabled.stdout.contains(proven), "\(enabled.output)")
        #expect(enabled.output.contains("reload-dovecot: dovecot reloaded"), "\(enabled.output)")
        #expect(try Self.waitUntilServed(current, port: dovecot.port) == current, "\(dovecot.log())")

        let deployed = "\(root)/etc/mailcert/dovecot/\(Self.host)"
        #expect(try mailcert.mode("\(deployed)/key.pem") == 0o600)
        #expect(try Self.fingerprint(file: "\(deployed)/fullchain.pem") == current)
        let configured = try Subprocess.run("/usr/bin/doveconf", ["-c", dovecot.configFile, "-n"])
        #expect(configured.status == 0, "\(configured.output)")
        #expect(configured.stdout.contains("\nssl_cert = <\(deployed)/fullchain.pem\n"), "\(configured.stdout)")
        #expect(dovecot.process?.isRunning == true, "\(dovecot.log())")
    }
}

/// A private Dovecot: config directory `conf/` (dovecot.conf, conf.d/), serving IMAPS on `port`.
final class PrivateDovecot {
    static let executable = "/usr/sbin/dovecot"
    static let imapLogin = "/usr/lib/dovecot/imap-login"

    /// Like the Postfix tests: in CI a missing Dovecot is a failure; elsewhere they skip without it or without root
    /// (Dovecot's master starts as root to drop its login processes to dovenull).
    static var shouldRun: Bool {
        (FileManager.default.isExecutableFile(atPath: executable)
            && FileManager.default.isExecutableFile(atPath: imapLogin) && geteuid() == 0)
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    let directory: TemporaryDirectory
    let port: Int
    var process: BackgroundProcess?

    init(certificate: String, key: String) throws {
        directory = try TemporaryDirectory("mailcert-dovecot")
        port = FreePort.pick()
        // Dovecot's login processes run as dovenull and must reach base_dir's login/ directory.
        chmod(directory.url.path, 0o755)
        for name in ["conf/conf.d", "base", "state", "home"] {
            try FileManager.default.createDirectory(
                atPath: directory.path(name), withIntermediateDirectories: true)
        }
        guard let dovenull = getpwnam("dovenull") else { throw TestSupportError("no user dovenull") }
        chown(directory.path("home"), dovenull.pointee.pw_uid, dovenull.pointee.pw_gid)
        let dir = directory.url.path
        let config = """
            # A private instance for a test: its own base_dir, state_dir, log, home and port.
            protocols = imap
            listen = 127.0.0.1
            base_dir = \(dir)/base
            state_dir = \(dir)/state
            log_path = \(dir)/dovecot.log
            ssl = required
            ssl_cert = <\(certificate)
            ssl_key = <\(key)
            mail_location = maildir:\(dir)/home/Maildir
            passdb {
              driver = static
              args = nopassword=y
            }
            userdb {
              driver = static
              args = uid=dovenull gid=dovenull home=\(dir)/home
            }
            service imap-login {
              inet_listener imap {
                port = 0
              }
              inet_listener imaps {
                port = \(port)
                ssl = yes
              }
            }
            # Last, so mailcert's conf.d/99-mailcert.conf overrides ssl_cert and ssl_key above.
            !include_try conf.d/*.conf

            """
        try directory.write("conf/dovecot.conf", config)
        let started = try BackgroundProcess(
            Self.executable, ["-F", "-c", configFile], log: directory.path("dovecot.stdout"),
            keeping: directory)
        process = started
        do { try FreePort.waitUntilListening(port, server: started) } catch {
            throw TestSupportError("\(error)\n\(log())")
        }
    }

    var configDirectory: String { directory.path("conf") }
    var configFile: String { directory.path("conf/dovecot.conf") }
    func log() -> String { (try? directory.read("dovecot.log")) ?? "" }

    func stop() {
        process?.stop()
        process = nil
    }

    deinit { stop() }
}
