import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("Importing a CA's answer")
struct CertificateImportTests {
    let now = Date()

    private func pendingCSR(_ fixture: StoreFixture, hosts: [String] = ["mx1.example.com"]) throws -> CertificateSigningRequest {
        try SigningRequest(name: "mx1", hostnames: hosts, key: .generate(.ecdsaP256), force: false)
            .run(store: fixture.store, csrFile: nil, now: now)
    }

    private func importing(_ fixture: StoreFixture, _ contents: Data, chain: String? = nil) throws -> ImportOutcome {
        let file = try fixture.directory.write("answer-\(UUID().uuidString)", contents)
        let chainFile = try chain.map { try fixture.directory.write("chain-\(UUID().uuidString).pem", $0) }
        return try CertificateImport(
            name: "mx1", certificateFile: URL(fileURLWithPath: file), chainFile: chainFile.map { URL(fileURLWithPath: $0) }
        ).run(store: fixture.store, now: Date())  // after the CA signed, as in real life
    }

    @Test("leaf, root and intermediate in any order are stored leaf first; the pending key becomes the version's key")
    func storesLeafFirst() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        let csr = try pendingCSR(fixture)
        let pendingKey = try String(contentsOf: fixture.paths.pending("mx1").appendingPathComponent("key.pem"), encoding: .utf8)
        let leaf = try ca.sign(csrPEM: csr.pem)
        let outcome = try importing(fixture, Data((ca.rootPEM + leaf + ca.intermediatePEM).utf8))
        #expect(outcome.warnings.isEmpty)
        let version = outcome.version
        #expect(version.metadata.source == .imported)
        let chain = try version.chain()
        #expect(chain.map(\.commonName) == ["Mailcert Test Intermediate", "Mailcert Test Root"])
        let fullchain = try Certificate.parseAll(Array(try Data(contentsOf: version.url(.fullchain))))
        #expect(fullchain.map(\.commonName) == ["mx1.example.com", "Mailcert Test Intermediate", "Mailcert Test Root"])
        #expect(try version.privateKey().pkcs8PEM() == pendingKey)
        #expect(try fixture.store.pending(of: "mx1") == nil)
    }

    @Test("a DER answer with the chain in --chain is accepted")
    func derWithChainFile() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        let leaf = try Certificate.parseAll(Array(try ca.sign(csrPEM: try pendingCSR(fixture).pem).utf8))[0]
        let version = try importing(fixture, Data(leaf.der), chain: ca.intermediatePEM).version
        #expect(try version.certificate() == leaf)
        #expect(try version.chain().map(\.commonName) == ["Mailcert Test Intermediate"])
    }

    @Test("a certificate for another key is refused, naming both key fingerprints; nothing changes")
    func keyMismatch() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        _ = try pendingCSR(fixture)
        let foreign = try ca.issueForeign(hostname: "mx1.example.com")
        let before = fixture.snapshot()
        let error = #expect(throws: MailcertError.self) { try importing(fixture, Data(foreign.certificate.utf8)) }
        #expect(error?.code == .keyMismatch)
        let foreignFingerprint = try Certificate.parseAll(Array(foreign.certificate.utf8))[0].publicKeyFingerprint()
        let pendingKey = try PrivateKey(pem: Array(try Data(contentsOf: fixture.paths.pending("mx1").appendingPathComponent("key.pem"))))
        #expect(error?.message.contains(foreignFingerprint) == true)
        #expect(error?.message.contains(try pendingKey.publicKeyFingerprint()) == true)
        #expect(error?.message.contains("Nothing was changed") == true)
        #expect(fixture.snapshot() == before)
    }

    @Test("with no pending key the import is refused and points at --pkcs12")
    func noPendingKey() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        let foreign = try ca.issueForeign(hostname: "mx1.example.com")
        let error = #expect(throws: MailcertError.self) { try importing(fixture, Data(foreign.certificate.utf8)) }
        #expect(error?.code == .noPendingKey)
        #expect(error?.message.contains("--pkcs12") == true)
    }

    @Test("an expired answer is stored with a warning")
    func expiredWarns() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        let leaf = try ca.sign(csrPEM: try pendingCSR(fixture).pem, notBefore: "20200101000000Z", notAfter: "20210101000000Z")
        let outcome = try importing(fixture, Data(leaf.utf8))
        #expect(outcome.warnings.count == 1)
        #expect(outcome.warnings[0].contains("expired on 2021-01-01"))
    }

    @Test("malformed PEM is refused, naming the file and the certificate; nothing changes")
    func malformed() throws {
        let fixture = try StoreFixture()
        _ = try pendingCSR(fixture)
        let before = fixture.snapshot()
        let error = #expect(throws: MailcertError.self) {
            try importing(fixture, Data("-----BEGIN CERTIFICATE-----\nMIIB\n".utf8))
        }
        #expect(error?.code == .badInput)
        #expect(error?.message.contains("'mx1'") == true)
        #expect(error?.message.contains("answer-") == true)
        #expect(error?.message.contains("no END line") == true)
        #expect(fixture.snapshot() == before)
    }

    @Test("a second CSR for a name with a pending key is refused unless the key is reused or --force sets it aside")
    func pendingProtected() throws {
        let fixture = try StoreFixture()
        let first = try pendingCSR(fixture)
        let error = #expect(throws: MailcertError.self) { try pendingCSR(fixture) }
        #expect(error?.code == .pendingExists)
        let again = try SigningRequest(name: "mx1", hostnames: ["mx1.example.com", "mx2.example.com"], key: .reuse, force: false)
            .run(store: fixture.store, csrFile: nil, now: now)
        let firstKey = try Subprocess.openssl(["req", "-pubkey", "-noout"], stdin: Data(first.pem.utf8)).stdout
        let againKey = try Subprocess.openssl(["req", "-pubkey", "-noout"], stdin: Data(again.pem.utf8)).stdout
        #expect(firstKey == againKey)
        _ = try SigningRequest(name: "mx1", hostnames: ["mx1.example.com"], key: .generate(.rsa2048), force: true)
            .run(store: fixture.store, csrFile: nil, now: now)
        let kept = try FileManager.default.contentsOfDirectory(atPath: fixture.paths.certificate("mx1").path)
        #expect(kept.contains { $0.hasPrefix("pending.replaced-") })
        #expect(try fixture.store.pending(of: "mx1")?.request.keyType == "rsa2048")
    }
}

@Suite("Pending keys are never lost")
struct PendingKeyTests {
    @Test("three forced replacements in one second keep every earlier key under its own name")
    func replacementsKeepKeys() throws {
        let fixture = try StoreFixture()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var fingerprints: [String] = []
        for index in 0..<3 {
            _ = try SigningRequest(name: "mx1", hostnames: ["mx1.example.com"], key: .generate(.ecdsaP256), force: index > 0)
                .run(store: fixture.store, csrFile: nil, now: now)
            let key = try #require(try fixture.store.pending(of: "mx1")).key()
            fingerprints.append(try key.publicKeyFingerprint())
        }
        let directory = fixture.paths.certificate("mx1")
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("pending.replaced-") }
        #expect(kept.count == 2)
        let keptFingerprints = try kept.map {
            try PrivateKey(pem: Array(try Data(contentsOf: directory.appendingPathComponent("\($0)/key.pem")))).publicKeyFingerprint()
        }
        #expect(Set(keptFingerprints) == Set(fingerprints.prefix(2)))
    }

    @Test("a pending directory orphaned by a crash mid-switch is kept under a visible name")
    func orphanRecovered() throws {
        let fixture = try StoreFixture()
        _ = try SigningRequest(name: "mx1", hostnames: ["mx1.example.com"], key: .generate(.ecdsaP256), force: false)
            .run(store: fixture.store, csrFile: nil, now: Date())
        let directory = fixture.paths.certificate("mx1")
        // A writer killed after writing its new pending directory, before the symlink switch.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(".pending-crashed"), withIntermediateDirectories: false)
        _ = try SigningRequest(name: "mx1", hostnames: ["mx1.example.com"], key: .reuse, force: false)
            .run(store: fixture.store, csrFile: nil, now: Date())
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("pending.orphaned-crashed").path))
    }
}
