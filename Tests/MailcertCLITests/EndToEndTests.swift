import Foundation
import MailcertTestSupport
import Testing

@Suite("The mailcert binary, end to end")
struct EndToEndTests {
    @Test("self-signed: request, list, export; openssl agrees at every step")
    func selfSignedFlow() throws {
        let mailcert = try MailcertRunner()
        let stored = try mailcert.json(["request", "-d", "mx1.example.com", "-d", "mail.example.com", "--self-signed", "--days", "30", "--json"])
        #expect(stored["status"] as? String == "self-signed")
        #expect(stored["hostnames"] as? [String] == ["mx1.example.com", "mail.example.com"])
        #expect(stored["daysLeft"] as? Int == 29)

        let current = "\(mailcert.stateDirectory)/certs/mx1.example.com/current"
        #expect(try mailcert.mode("\(current)/key.pem") == 0o600)
        let verify = try Subprocess.openssl(["verify", "-purpose", "sslserver", "-CAfile", "\(current)/cert.pem", "\(current)/fullchain.pem"])
        #expect(verify.stdout.contains("OK"))

        let list = try mailcert.json(["list", "--json"])
        let entries = try #require(list["certificates"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect(entries[0]["sha256"] as? String == stored["sha256"] as? String)
        #expect((entries[0]["sha1"] as? String)?.count == 40)

        let password = try mailcert.state.write("pass.txt", "correct horse\n")
        let p12 = mailcert.state.path("mx1.p12")
        let export = try mailcert.run(["export", "--name", "mx1.example.com", "--pkcs12", p12, "--password-file", password])
        #expect(export.status == 0, "\(export.output)")
        #expect(try mailcert.mode(p12) == 0o600)
        let info = try Subprocess.openssl(["pkcs12", "-info", "-in", p12, "-passin", "pass:correct horse", "-nodes"]).output
        #expect(info.contains("BEGIN PRIVATE KEY") && info.contains("subject=CN = mx1.example.com"))

        let again = try mailcert.run(["export", "--name", "mx1.example.com", "--pkcs12", p12, "--password-file", password])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
    }

    @Test("corporate CA: CSR out, CA signs, DER answer imported, list shows it valid with its issuer")
    func csrFlow() throws {
        let mailcert = try MailcertRunner()
        let ca = try TestCA()
        let csrPath = mailcert.state.path("mx1.csr")
        let request = try mailcert.run(["request", "-d", "mx1.example.com", "--name", "mx1", "--key-type", "rsa2048", "--csr-out", csrPath])
        #expect(request.status == 0, "\(request.output)")
        #expect(request.stdout.contains("mailcert import --name mx1"))
        let pendingKey = "\(mailcert.stateDirectory)/certs/mx1/pending/key.pem"
        #expect(try mailcert.mode(pendingKey) == 0o600)
        #expect(try Subprocess.openssl(["req", "-verify", "-noout", "-in", csrPath]).output.contains("verify OK"))

        let pending = try #require((try mailcert.json(["list", "--json"])["certificates"] as? [[String: Any]])?.first)
        #expect(pending["status"] as? String == "pending")

        // The CA answers in DER, saved under a .pem name, with the intermediate apart.
        let leafPEM = try ca.sign(csrPEM: try String(contentsOfFile: csrPath, encoding: .utf8))
        let leafPath = try mailcert.state.write("leaf.pem", leafPEM)
        try Subprocess.openssl(["x509", "-in", leafPath, "-outform", "DER", "-out", mailcert.state.path("answer.pem")])
        let chain = try mailcert.state.write("intermediate.pem", ca.intermediatePEM)
        let imported = try mailcert.run(["import", "--name", "mx1", mailcert.state.path("answer.pem"), "--chain", chain])
        #expect(imported.status == 0, "\(imported.output)")

        let listed = try mailcert.run(["list"])
        #expect(listed.stdout.contains("mx1"))
        #expect(listed.stdout.contains("valid"))
        #expect(listed.stdout.contains("Mailcert Test Intermediate"))
        let current = "\(mailcert.stateDirectory)/certs/mx1/current"
        let root = try mailcert.state.write("root.pem", ca.rootPEM)
        let verify = try Subprocess.openssl(["verify", "-CAfile", root, "-untrusted", "\(current)/chain.pem", "\(current)/cert.pem"])
        #expect(verify.stdout.contains("OK"))
        #expect(!FileManager.default.fileExists(atPath: pendingKey))
    }

    @Test("a PKCS#12 bundle exported elsewhere (openssl, as Windows would) is imported")
    func pkcs12Import() throws {
        let mailcert = try MailcertRunner()
        let ca = try TestCA()
        let foreign = try ca.issueForeign(hostname: "mx9.example.com")
        let key = try mailcert.state.write("k.pem", foreign.key)
        let cert = try mailcert.state.write("c.pem", foreign.certificate)
        let chain = try mailcert.state.write("i.pem", ca.intermediatePEM)
        let p12 = mailcert.state.path("in.pfx")
        try Subprocess.openssl(["pkcs12", "-export", "-inkey", key, "-in", cert, "-certfile", chain, "-out", p12, "-passout", "pass:pfx-pass"])
        let password = try mailcert.state.write("pw", "pfx-pass")
        let result = try mailcert.json(["import", "--name", "mx9", "--pkcs12", p12, "--password-file", password, "--json"])
        #expect(result["status"] as? String == "valid")
        #expect(result["source"] as? String == "pkcs12")
        let chainPEM = try String(contentsOfFile: "\(mailcert.stateDirectory)/certs/mx9/current/chain.pem", encoding: .utf8)
        #expect(chainPEM == ca.intermediatePEM)
    }
}
