import Foundation
import MailcertTestSupport
import Testing

/// `enable --service exim` and `renew` against Debian's real Exim 4 (a private daemon, `EximServer`), configured
/// the way Debian's exim4-config does by default: unsplit, so mailcert manages a marked block in
/// exim4.conf.localmacros beside the admin's own lines. The reload is the daemon's SIGHUP (no systemd here);
/// update-exim4.conf is not installed, so it is not run. openssl s_client -starttls smtp is the judge.
@Suite(
    "Exim deploy: enable and renew against a real Exim", .serialized,
    .enabled(if: EximServer.shouldRun, "needs root, unshare, and exim4 installed or apt-get download-able"))
struct EximDeployTests {
    static let host = "mx1.example.test"

    /// The SHA-256 fingerprint of the leaf Exim serves after EHLO and STARTTLS.
    static func served(_ port: Int) throws -> String {
        let result = try Subprocess.run(
            "/bin/sh",
            ["-c", "openssl s_client -connect 127.0.0.1:\(port) -starttls smtp -servername \(host) </dev/null "
                + "2>/dev/null | openssl x509 -noout -fingerprint -sha256"])
        return String(result.stdout.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func waitUntilServed(_ expected: String, port: Int, seconds: Double = 10) throws -> String {
        let end = Date().addingTimeInterval(seconds)
        var seen = try served(port)
        while seen != expected && Date() < end {
            usleep(200_000)
            seen = try served(port)
        }
        return seen
    }

    static func fingerprint(_ mailcert: MailcertRunner) throws -> String {
        let file = "\(mailcert.stateDirectory)/certs/\(host)/current/cert.pem"
        let text = try Subprocess.openssl(["x509", "-in", file, "-noout", "-fingerprint", "-sha256"]).stdout
        return String(text.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("unsplit: enable writes the localmacros block, exim serves the leaf; renew brings it the next version")
    func enableThenRenew() throws {
        let stage = try TemporaryDirectory("mailcert-exim-root")
        let config = stage.path("etc/exim4")
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        _ = try stage.write("etc/exim4/update-exim4.conf.conf", "dc_eximconfig_configtype='internet'\n"
            + "dc_use_split_config='false'\n")
        let admin = "# the admin's own macros\nMAIN_LOG_SELECTOR = +tls_sni\n"
        let macros = try stage.write("etc/exim4/exim4.conf.localmacros", admin)
        chmod(macros, 0o640)
        let exim = try EximServer(hostname: Self.host, macros: macros)
        defer { exim.stop() }

        let mailcert = try MailcertRunner()
        let requested = try mailcert.run(["request", "-d", Self.host, "--self-signed"])
        try #require(requested.status == 0, "\(requested.output)")
        let first = try Self.fingerprint(mailcert)
        let enabled = try mailcert.run([
            "enable", "--name", Self.host, "--service", "exim", "--root", stage.url.path, "--exim-config-dir", config,
            "--reload-hook", exim.reloadHook, "--connect", "127.0.0.1:\(exim.port)",
        ])
        #expect(enabled.status == 0, "\(enabled.output)\n\(exim.log())")
        #expect(enabled.stdout.contains("exim: proven: 127.0.0.1:\(exim.port) serves sha256"), "\(enabled.output)")
        #expect(try Self.waitUntilServed(first, port: exim.port) == first, "\(exim.log())")

        let written = try String(contentsOfFile: macros, encoding: .utf8)
        let deployed = stage.path("etc/mailcert/exim/\(Self.host)")
        #expect(written.hasPrefix(admin), "the admin's lines stay first and unchanged: \(written)")
        #expect(written.contains("# BEGIN mailcert\n") && written.hasSuffix("# END mailcert\n"), "\(written)")
        #expect(written.contains("\nMAIN_TLS_CERTIFICATE = \(deployed)/fullchain.pem\n"), "\(written)")
        #expect(try mailcert.mode(macros) == 0o640, "the admin's mode is kept")
        #expect(!FileManager.default.fileExists(atPath: "\(config)/conf.d/main/00_mailcert"))

        let forced = try mailcert.run(["request", "-d", Self.host, "--self-signed", "--force"])
        try #require(forced.status == 0, "\(forced.output)")
        let second = try Self.fingerprint(mailcert)
        #expect(second != first)
        let renewed = try mailcert.run(["renew", "--no-random-sleep"])
        #expect(renewed.status == 0, "\(renewed.output)\n\(exim.log())")
        #expect(try Self.waitUntilServed(second, port: exim.port) == second, "\(renewed.output)\n\(exim.log())")
        let rewritten = try String(contentsOfFile: macros, encoding: .utf8)
        #expect(rewritten.components(separatedBy: "# BEGIN mailcert").count == 2, "one block: \(rewritten)")
        #expect(rewritten.hasPrefix(admin))
    }
}
