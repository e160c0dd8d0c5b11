import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("Inventory status")
struct InventoryTests {
    @Test("status follows the injected clock")
    func statusOverTime() throws {
        let fixture = try StoreFixture()
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: issued)
        let day: TimeInterval = 86_400
        func status(at offset: TimeInterval) throws -> (CertificateStatus, Int?) {
            let entry = try Inventory.entries(store: fixture.store, now: issued.addingTimeInterval(offset))[0]
            return (entry.status, entry.daysLeft)
        }
        #expect(try status(at: -day) == (.notYetValid, 91))
        #expect(try status(at: 10 * day) == (.selfSigned, 80))
        #expect(try status(at: 90 * day) == (.expired, 0))
        #expect(try status(at: 100 * day) == (.expired, -10))
    }

    @Test("a CA-signed certificate is valid, then expiring inside the margin")
    func caSigned() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        let now = Date()
        try fixture.caSigned("mx1", hosts: ["mx1.example.com"], ca: ca, now: now)
        let fresh = try Inventory.entries(store: fixture.store, now: now)[0]
        #expect(fresh.status == .valid)
        #expect(fresh.issuer?.contains("CN=Mailcert Test Intermediate") == true)
        #expect(fresh.sha1?.count == 40 && fresh.sha256?.count == 64)
        let late = try Inventory.entries(store: fixture.store, now: now.addingTimeInterval(80 * 86_400))[0]
        #expect(late.status == .expiring)
    }

    @Test("a name with only a CSR is pending; bound services are listed")
    func pendingAndServices() throws {
        let fixture = try StoreFixture()
        let now = Date()
        _ = try SigningRequest(name: "corp", hostnames: ["mx1.example.com"], key: .generate(.rsa2048), force: false)
            .run(store: fixture.store, csrFile: "/tmp/x.csr", now: now)
        try fixture.selfSigned("mx2", hosts: ["mx2.example.com"], now: now)
        try Data(#"{"smtp": "mx2", "submission": "mx2", "dovecot": "other"}"#.utf8).write(to: fixture.paths.bindings)
        let entries = try Inventory.entries(store: fixture.store, now: now)
        #expect(entries.map(\.name) == ["corp", "mx2"])
        #expect(entries[0].status == .pending)
        #expect(entries[0].pending?.csrFile == "/tmp/x.csr")
        #expect(entries[0].keyType == "rsa2048")
        #expect(entries[1].services == ["smtp", "submission"])
    }
}
