import Foundation
import MailcertTestSupport
import Testing

/// `enable --service exim` into a staging root for Debian's exim4-config, at the file level: which file gets the
/// TLS macros follows update-exim4.conf.conf (`dc_use_split_config`, false when absent), the admin's own lines in
/// exim4.conf.localmacros are never touched, and a failed reload puts the file back byte for byte. No
/// update-exim4.conf runs (it is not installed beside postfix); a real Exim is in EximDeployTests.
@Suite("Exim deploy files: Debian's split and unsplit configurations")
struct EximDeployFileTests {
    static let host = "mx1.example.test"
    static let admin = "# the admin's macros\nMAIN_LOG_SELECTOR = +tls_sni\n\nDAEMON_SMTP_PORTS = 25 : 587\n"

    struct Stage {
        let mailcert: MailcertRunner
        let root: TemporaryDirectory
        let reload: ReloadStandIn
        var config: String { root.path("etc/exim4") }
        var macros: String { root.path("etc/exim4/exim4.conf.localmacros") }

        init(split: String?, macros: String? = EximDeployFileTests.admin) throws {
            mailcert = try MailcertRunner()
            root = try TemporaryDirectory("mailcert-exim-files")
            reload = try ReloadStandIn(in: mailcert.state, failure: "exim: simulated reload failure")
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            if let split {
                _ = try root.write("etc/exim4/update-exim4.conf.conf", "dc_other='x'\n\(split)\n")
            }
            if let macros { chmod(try root.write("etc/exim4/exim4.conf.localmacros", macros), 0o600) }
            try newVersion()
        }

        func newVersion() throws {
            let result = try mailcert.run(["request", "-d", EximDeployFileTests.host, "--self-signed", "--force"])
            guard result.status == 0 else { throw TestSupportError("request failed: \(result.output)") }
        }

        func enable() throws -> Subprocess.Result {
            try mailcert.run([
                "enable", "--name", EximDeployFileTests.host, "--service", "exim", "--root", root.url.path,
                "--reload-hook", reload.path, "--no-prove",
            ])
        }

        func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
    }

    @Test("unsplit (the setting absent): a marked block after the admin's lines, replaced in place next time")
    func unsplitBlock() throws {
        let stage = try Stage(split: "# dc_use_split_config not set")
        #expect(try stage.enable().status == 0)
        let deployed = stage.root.path("etc/mailcert/exim/\(Self.host)")
        let first = try stage.text(stage.macros)
        #expect(first.hasPrefix(Self.admin), "\(first)")
        #expect(first.contains("\n# BEGIN mailcert\n"), "\(first)")
        #expect(first.contains("\nMAIN_TLS_ENABLE = yes\nMAIN_TLS_CERTIFICATE = \(deployed)/fullchain.pem\n"))
        #expect(first.contains("\nMAIN_TLS_PRIVATEKEY = \(deployed)/key.pem\n# END mailcert\n"), "\(first)")
        #expect(try stage.mailcert.mode(stage.macros) == 0o600, "the admin's mode is kept")
        #expect(!FileManager.default.fileExists(atPath: "\(stage.config)/conf.d/main/00_mailcert"))

        // The admin adds a line after the block; the next deploy replaces the block only.
        try (first + "MAIN_HARDCODE_PRIMARY_HOSTNAME = mx1\n").write(
            toFile: stage.macros, atomically: false, encoding: .utf8)
        let edited = try stage.text(stage.macros)
        try stage.newVersion()
        #expect(try stage.enable().status == 0)
        #expect(try stage.text(stage.macros) == edited, "same paths, same block: the file is as the admin left it")
        #expect(edited.components(separatedBy: "# BEGIN mailcert").count == 2)
    }

    @Test("split ('true'): conf.d/main/00_mailcert as before, localmacros untouched")
    func split() throws {
        let stage = try Stage(split: "dc_use_split_config='true'")
        #expect(try stage.enable().status == 0)
        #expect(try stage.text("\(stage.config)/conf.d/main/00_mailcert").hasPrefix("# Managed by mailcert"))
        #expect(try stage.text(stage.macros) == Self.admin)
    }

    @Test("unsplit: a failed reload puts localmacros back byte for byte, mode kept, enable fails saying so")
    func unsplitRollback() throws {
        let stage = try Stage(split: "dc_use_split_config=\"false\"")
        stage.reload.refuse(true)
        let failed = try stage.enable()
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.stderr.contains("exim: the reload"), "\(failed.stderr)")
        #expect(failed.stderr.contains("the previous files are back in place"), "\(failed.stderr)")
        #expect(try stage.text(stage.macros) == Self.admin)
        #expect(try stage.mailcert.mode(stage.macros) == 0o600)
    }

    @Test("unsplit: a block without its END marker is refused and nothing is written")
    func brokenBlock() throws {
        let broken = Self.admin + "# BEGIN mailcert\nMAIN_TLS_ENABLE = yes\n"
        let stage = try Stage(split: "dc_use_split_config='false'", macros: broken)
        let refused = try stage.enable()
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("has no '# END mailcert' after it"), "\(refused.stderr)")
        #expect(try stage.text(stage.macros) == broken)
        #expect(stage.reload.calls.isEmpty)
    }

    @Test("unsplit without a localmacros file: one is created holding the block only")
    func newLocalMacros() throws {
        let stage = try Stage(split: "dc_use_split_config='false'", macros: nil)
        #expect(try stage.enable().status == 0)
        let text = try stage.text(stage.macros)
        #expect(text.hasPrefix("# BEGIN mailcert\n") && text.hasSuffix("# END mailcert\n"), "\(text)")
        #expect(try stage.mailcert.mode(stage.macros) == 0o644)
    }
}
