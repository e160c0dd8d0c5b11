import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("Crash consistency")
struct CrashConsistencyTests {
    /// SIGKILL lands at random moments of key generation, writing, renaming and the switch of `current`; after each,
    /// `current` must name a complete version whose key matches its certificate.
    @Test("a writer killed at any point leaves a complete version in service")
    func killedWriters() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.com", "--name", "mx1", "--self-signed"]).status == 0)
        for round in 0..<16 {
            let writer = try BackgroundProcess(
                MailcertRunner.binary,
                ["request", "-d", "mx1.example.com", "--name", "mx1", "--self-signed", "--key-type", round.isMultiple(of: 2) ? "rsa3072" : "ecdsa-p256"],
                environment: ["MAILCERT_STATE_DIR": mailcert.stateDirectory], log: mailcert.state.path("writer.log"),
                stopSignal: SIGKILL)
            usleep(UInt32.random(in: 0...120_000))
            writer.stop()
            try assertConsistent(mailcert)
        }
        // The next writer cleans up whatever the killed ones left.
        #expect(try mailcert.run(["request", "-d", "mx1.example.com", "--name", "mx1", "--self-signed"]).status == 0)
        let versions = try FileManager.default.contentsOfDirectory(atPath: "\(mailcert.stateDirectory)/certs/mx1/versions")
        #expect(versions.allSatisfy { Int($0) != nil })
        try assertConsistent(mailcert)
    }

    private func assertConsistent(_ mailcert: MailcertRunner) throws {
        let current = "\(mailcert.stateDirectory)/certs/mx1/current"
        let files = try FileManager.default.contentsOfDirectory(atPath: current).sorted()
        #expect(files == ["cert.pem", "chain.pem", "fullchain.pem", "key.pem", "meta.json", "privkey.pem"])
        // certbot's name for the key is the same key: never one from another version.
        let privkey = try Data(contentsOf: URL(fileURLWithPath: "\(current)/privkey.pem"))
        #expect(privkey == (try Data(contentsOf: URL(fileURLWithPath: "\(current)/key.pem"))))
        let key = try PrivateKey(pem: Array(try Data(contentsOf: URL(fileURLWithPath: "\(current)/key.pem"))))
        let certificate = try Certificate.parseAll(Array(try Data(contentsOf: URL(fileURLWithPath: "\(current)/cert.pem"))))[0]
        #expect(certificate.matches(key))
        let list = try mailcert.run(["list", "--json"])
        #expect(list.status == 0, "\(list.output)")
    }
}
