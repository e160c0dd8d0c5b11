import MailcertCrypto
import MailcertDNS
import MailcertTestSupport
import Testing

/// Key files as BIND's tsig-keygen and Knot's keymgr write them, and the mistakes people make in them.
@Suite("TSIG key files")
struct TSIGKeyTests {
    static let secret = "X70gMwtbujmzvoMW6lMmtjubwF7jvibKJXHhVM+CjEM="

    @Test("BIND's tsig-keygen output, with comments")
    func bind() throws {
        let text = """
            # made by tsig-keygen
            key "Update-Key." {
            \talgorithm hmac-sha256; // the default
            \tsecret "\(Self.secret)";
            };
            """
        let key = try TSIGKey(parsing: text, source: "bind.key")
        #expect(key.name == "update-key")
        #expect(key.algorithm == .sha256)
        #expect(key.algorithmName == "hmac-sha256")
        #expect(key.description == "key update-key (hmac-sha256) from bind.key")
    }

    @Test("Knot's keymgr -t output (YAML), hmac-sha512")
    func knot() throws {
        let text = """
            # hmac-sha512:knot-key:\(Self.secret)
            key:
              - id: knot-key
                algorithm: hmac-sha512
                secret: \(Self.secret)
            """
        let key = try TSIGKey(parsing: text, source: "knot.yaml")
        #expect(key.name == "knot-key")
        #expect(key.algorithm == .sha512)
    }

    @Test("the file tsig-keygen writes loads", .enabled(if: NamedServer.shouldRun))
    func realFile() throws {
        let directory = try TemporaryDirectory("tsig-key")
        let made = try Subprocess.run("tsig-keygen", ["-a", "hmac-sha512", "real-key"])
        let key = try TSIGKey.load(try directory.write("real.key", made.stdout))
        #expect(key.name == "real-key" && key.algorithm == .sha512)
    }

    @Test(
        "bad files: a clear badKeyFile error naming the file, never the secret",
        arguments: [
            ("key \"k\" { algorithm hmac-md5; secret \"\(secret)\"; };", "uses hmac-md5"),
            ("key \"k\" { algorithm hmac-sha256; };", "has no secret"),
            ("key \"k\" { secret \"\(secret)\"; };", "has no algorithm"),
            ("key \"k\" { algorithm hmac-sha256; secret \"not base64!\"; };", "is not base64"),
            (
                "key \"a\" { algorithm hmac-sha256; secret \"\(secret)\"; };\nkey \"b\" { algorithm hmac-sha256; };",
                "2 keys found"
            ),
            ("hello", "no key found"),
            ("key:\n  - id: k\n    algorithm: hmac-sha256\n", "has no secret"),
        ])
    func bad(text: String, reason: String) {
        #expect {
            try TSIGKey(parsing: text, source: "/etc/x.key")
        } throws: { error in
            let error = error as? DNSError
            return error?.code == .badKeyFile && error!.message.contains("/etc/x.key")
                && error!.message.contains(reason) && !error!.message.contains(Self.secret)
        }
    }

    @Test("a missing file names the path")
    func missing() {
        #expect {
            try TSIGKey.load("/nonexistent/tsig.key")
        } throws: { error in
            (error as? DNSError)?.code == .badKeyFile && "\(error)".contains("/nonexistent/tsig.key")
        }
    }
}
