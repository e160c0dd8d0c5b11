import Foundation
import MailcertTestSupport
import Testing

/// Since February 2026 Let's Encrypt certificates carry serverAuth only. `enable --service postfix` reads the
/// client side of main.cf (`postconf -h smtp_tls_chain_files`, `smtp_tls_cert_file`) of a real private Postfix,
/// and warns, without failing, when it names a file mailcert deploys whose certificate lacks clientAuth.
@Suite(
    "Postfix deploy: a client certificate without clientAuth is warned about", .serialized,
    .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
struct PostfixDeployClientAuthTests {
    static let host = "mx1.example.test"

    struct Stage {
        let mailcert: MailcertRunner
        let postfix: PostfixServer
        var root: String { postfix.directory.path("root") }
        var chainFile: String { "\(root)/etc/mailcert/postfix/\(PostfixDeployClientAuthTests.host).pem" }

        init() throws {
            mailcert = try MailcertRunner()
            let ca = try TestCA(name: "Postfix Before Mailcert")
            let before = try ca.issue(LeafSpec([PostfixDeployClientAuthTests.host]))
            postfix = try PostfixServer(
                hostname: PostfixDeployClientAuthTests.host, certificate: before.fullchainPath, key: before.keyPath)
        }

        func enable() throws -> Subprocess.Result {
            try mailcert.run([
                "enable", "--name", PostfixDeployClientAuthTests.host, "--service", "postfix", "--root", root,
                "--postfix-config-dir", postfix.configDirectory, "--connect", "127.0.0.1:\(postfix.port)",
            ])
        }

        func postconf(_ setting: String) throws {
            let result = try Subprocess.run("/usr/sbin/postconf", ["-c", postfix.configDirectory, "-e", setting])
            guard result.status == 0 else { throw TestSupportError("postconf -e \(setting): \(result.output)") }
        }
    }

    @Test("a serverAuth-only certificate named by smtp_tls_chain_files or smtp_tls_cert_file: a warning, no failure")
    func serverAuthOnly() throws {
        let stage = try Stage()
        // mailcert's self-signed certificates carry serverAuth only, as Let's Encrypt's now do.
        try #require(try stage.mailcert.run(["request", "-d", Self.host, "--self-signed"]).status == 0)
        let first = try stage.enable()
        #expect(first.status == 0, "\(first.output)")
        #expect(!first.output.contains("clientAuth"), "nothing names the file on the client side yet")

        try stage.postconf("smtp_tls_chain_files = \(stage.chainFile)")
        let warned = try stage.enable()
        #expect(warned.status == 0, "\(warned.output)")
        #expect(
            warned.stderr.contains("postfix: smtp_tls_chain_files names \(stage.chainFile), a certificate mailcert "
                + "manages whose extendedKeyUsage lacks clientAuth"), "\(warned.output)")
        #expect(warned.stderr.contains("a client certificate from a private CA, or to none"), "\(warned.output)")

        try stage.postconf("smtp_tls_chain_files =")
        try stage.postconf("smtp_tls_cert_file = \(stage.chainFile)")
        let certFile = try stage.enable()
        #expect(certFile.status == 0, "\(certFile.output)")
        #expect(certFile.stderr.contains("postfix: smtp_tls_cert_file names \(stage.chainFile)"), "\(certFile.output)")
    }

    @Test("a certificate that allows clientAuth gives no warning")
    func clientAuthAllowed() throws {
        let stage = try Stage()
        let ca = try TestCA(name: "Client And Server")  // kept: its directory holds the leaf's files
        let leaf = try ca.issue(LeafSpec([Self.host], extendedKeyUsage: "serverAuth, clientAuth"))
        let bundle = stage.mailcert.state.path("leaf.p12")
        let password = try stage.mailcert.state.write("password", "secret\n")
        let exported = try Subprocess.openssl([
            "pkcs12", "-export", "-inkey", leaf.keyPath, "-in", leaf.fullchainPath, "-out", bundle, "-passout",
            "file:\(password)",
        ])
        try #require(exported.status == 0, "\(exported.output)")
        let imported = try stage.mailcert.run([
            "import", "--name", Self.host, "--pkcs12", bundle, "--password-file", password,
        ])
        try #require(imported.status == 0, "\(imported.output)")
        try #require(try stage.enable().status == 0)

        try stage.postconf("smtp_tls_chain_files = \(stage.chainFile)")
        let again = try stage.enable()
        #expect(again.status == 0, "\(again.output)")
        #expect(!again.output.contains("clientAuth"), "\(again.output)")
    }
}
