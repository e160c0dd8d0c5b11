import Foundation
import MailcertTestSupport
import Testing

/// Every bad input gets an error that names the object, the file and what happens next, and changes nothing.
@Suite("Bad input")
struct BadInputTests {
    /// A store with one self-signed version of mx1 and a pending CSR for corp.
    private func populated() throws -> MailcertRunner {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.com", "--name", "mx1", "--self-signed"]).status == 0)
        #expect(try mailcert.run(["request", "-d", "corp.example.com", "--name", "corp", "--csr-out", mailcert.state.path("corp.csr")]).status == 0)
        return mailcert
    }

    @Test(
        "usage errors exit 64 and name the bad value",
        arguments: [
            (["request", "-d", "mx1.example.com", "--key-type", "dsa1024", "--self-signed"], "'dsa1024' is invalid for '--key-type"),
            (["request", "-d", "bad_host.example.com", "--self-signed"], "invalid hostname \"bad_host.example.com\""),
            (["request", "-d", "*.*.example.com", "--self-signed"], "invalid hostname \"*.*.example.com\""),
            (["request", "-d", "mx.example.com", "--name", "../etc", "--self-signed"], "invalid certificate name \"../etc\""),
            (["request", "-d", "mx.example.com", "--name", "a/b", "--self-signed"], "invalid certificate name \"a/b\""),
            (["request", "-d", "mx.example.com", "--name", "x..y", "--self-signed"], "contains \"..\""),
            (["request", "-d", "mx.example.com"], "choose one of --acme, --self-signed or --csr-out FILE"),
            (["request", "-d", "mx.example.com", "--self-signed", "--days", "0"], "--days must be between 1 and 3650"),
            (["request", "-d", "mx.example.com", "--self-signed", "--profile", "shortlived"], "ACME options need --acme"),
            (["request", "-d", "mx.example.com", "--acme", "--profile", ""], "--profile needs the name of one"),
            (["request", "-d", "mx.example.com", "--acme", "--dns-hook", "/bin/true"], "--dns-hook goes with --challenge"),
            (["request", "-d", "mx.example.com", "--acme", "--challenge", "dns-01"], "or --dns-update SERVER and --tsig"),
            (["request", "-d", "mx.example.com", "--acme", "--dns-update", "127.0.0.1"], "--dns-update goes with --chall"),
            (["request", "-d", "mx.example.com", "--self-signed", "--tsig-key", "k"], "ACME options need --acme"),
            (
                ["request", "-d", "mx.example.com", "--acme", "--challenge", "dns-01", "--dns-update", "127.0.0.1"],
                "--dns-update SERVER and --tsig-key FILE go together"
            ),
            (
                ["request", "-d", "mx.example.com", "--acme", "--challenge", "dns-01", "--dns-hook", "/bin/true",
                 "--dns-update", "127.0.0.1", "--tsig-key", "k"], "--dns-hook and --dns-update exclude each other"
            ),
            (
                ["request", "-d", "mx.example.com", "--acme", "--challenge", "dns-01", "--dns-update", "ns1.example",
                 "--tsig-key", "k"], "--dns-update: invalid DNS resolver address \"ns1.example\""
            ),
            (
                ["request", "-d", "mx.example.com", "--acme", "--challenge", "dns-01", "--dns-update", "127.0.0.1",
                 "--tsig-key", "/nonexistent/tsig.key"], "--tsig-key: cannot read the TSIG key file"
            ),
            (["import", "--name", "mx1"], "name the CA's certificate file"),
        ])
    func usageErrors(arguments: [String], message: String) throws {
        let mailcert = try populated()
        let before = mailcert.snapshot()
        let result = try mailcert.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(mailcert.snapshot() == before)
    }

    @Test("malformed PEM: the file and the certificate are named; nothing changes")
    func malformedPEM() throws {
        let mailcert = try populated()
        let file = try mailcert.state.write("broken.pem", "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJ\n")
        let before = mailcert.snapshot()
        let result = try mailcert.run(["import", "--name", "corp", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("mailcert: error: cannot import into 'corp': \(file)"))
        #expect(result.stderr.contains("no END line"))
        #expect(result.stderr.contains("nothing was changed"))
        #expect(mailcert.snapshot() == before)
    }

    @Test("a file that is neither PEM nor DER is named as such")
    func notACertificate() throws {
        let mailcert = try populated()
        let file = try mailcert.state.write("notes.txt", "please sign my certificate\n")
        let result = try mailcert.run(["import", "--name", "corp", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("neither PEM text nor a DER certificate"))
    }

    @Test("a certificate for another key: both fingerprints shown; the pending key is kept")
    func keyMismatch() throws {
        let mailcert = try populated()
        let ca = try TestCA()
        let foreign = try mailcert.state.write("foreign.pem", try ca.issueForeign(hostname: "corp.example.com").certificate)
        let before = mailcert.snapshot()
        let result = try mailcert.run(["import", "--name", "corp", foreign])
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not match the pending key of 'corp'"))
        #expect(result.stderr.components(separatedBy: "public key SHA-256 ").count == 3)
        #expect(mailcert.snapshot() == before)
    }

    @Test("a wrong PKCS#12 password is said plainly")
    func wrongPassword() throws {
        let mailcert = try populated()
        let right = try mailcert.state.write("right", "right\n")
        let wrong = try mailcert.state.write("wrong", "wrong\n")
        let p12 = mailcert.state.path("mx1.p12")
        #expect(try mailcert.run(["export", "--name", "mx1", "--pkcs12", p12, "--password-file", right]).status == 0)
        let before = mailcert.snapshot()
        let result = try mailcert.run(["import", "--name", "other", "--pkcs12", p12, "--password-file", wrong])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the password does not open PKCS#12 bundle \(p12)"))
        #expect(mailcert.snapshot() == before)
    }

    @Test("an import with no pending key says how to make one")
    func noPendingKey() throws {
        let mailcert = try populated()
        let ca = try TestCA()
        let cert = try mailcert.state.write("c.pem", try ca.issueForeign(hostname: "mx1.example.com").certificate)
        let result = try mailcert.run(["import", "--name", "mx1", cert])
        #expect(result.status == 1)
        #expect(result.stderr.contains("certificate 'mx1' has no pending key"))
        #expect(result.stderr.contains("mailcert request --csr-out"))
    }

    @Test("an unusable state directory is named", arguments: ["file", "proc"])
    func unwritableStateDirectory(kind: String) throws {
        let mailcert = try MailcertRunner()
        let state = kind == "file" ? try mailcert.state.write("a-file", "x") + "/state" : "/proc/mailcert-state"
        let result = try Subprocess.run(MailcertRunner.binary, ["request", "-d", "mx.example.com", "--self-signed", "--state-dir", state])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot use state directory \(state)"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was changed"))
    }

    @Test("a second writer is turned away while another process holds the lock")
    func lockHeld() throws {
        let mailcert = try populated()
        let ready = mailcert.state.path("held")
        let holder = try BackgroundProcess(
            "/usr/bin/env", ["flock", "\(mailcert.stateDirectory)/lock", "sh", "-c", "touch \(ready); sleep 30"],
            log: mailcert.state.path("holder.log"))
        defer { holder.stop() }
        while !FileManager.default.fileExists(atPath: ready) { usleep(10_000) }
        let before = mailcert.snapshot()
        let result = try mailcert.run(["request", "-d", "mx1.example.com", "--name", "mx1", "--self-signed"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("another mailcert process"))
        #expect(result.stderr.contains("holds \(mailcert.stateDirectory)/lock"))
        #expect(mailcert.snapshot() == before)
    }

    @Test("a self-signed request never pushes a valid CA-signed certificate out of service")
    func fallbackRefused() throws {
        let mailcert = try populated()
        let ca = try TestCA()
        let leaf = try ca.sign(csrPEM: try String(contentsOfFile: mailcert.state.path("corp.csr"), encoding: .utf8))
        let answer = try mailcert.state.write("corp.pem", leaf + ca.intermediatePEM)
        #expect(try mailcert.run(["import", "--name", "corp", answer]).status == 0)
        let before = mailcert.snapshot()
        let result = try mailcert.run(["request", "-d", "corp.example.com", "--name", "corp", "--self-signed"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("already has a valid CA-signed version 1"))
        #expect(mailcert.snapshot() == before)
    }
}
