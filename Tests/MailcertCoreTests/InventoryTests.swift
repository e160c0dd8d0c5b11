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
            let entry = try Inventory.load(store: fixture.store, now: issued.addingTimeInterval(offset)).entries[0]
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
        try fixture.caSigned("mx1", hosts: ["mx1.example.com"], ca: ca, now: Date())
        let now = Date()  // after the CA signed: its notBefore is the signing second
        let fresh = try Inventory.load(store: fixture.store, now: now).entries[0]
        #expect(fresh.status == .valid)
        #expect(fresh.issuer?.contains("CN=Mailcert Test Intermediate") == true)
        #expect(fresh.sha1?.count == 40 && fresh.sha256?.count == 64)
        // The CA signs serverAuth only, as public CAs do since 2026: not a client certificate, and --long says so.
        #expect(fresh.clientAuth == false)
        #expect(InventoryTable.long([fresh]).contains("clientAuth : no (serverAuth only"))
        let json = String(decoding: try StoreJSON.encoder().encode(fresh), as: UTF8.self)
        #expect(json.contains(#""clientAuth" : false"#), "\(json)")
        let late = try Inventory.load(store: fixture.store, now: now.addingTimeInterval(80 * 86_400)).entries[0]
        #expect(late.status == .expiring)
    }

    @Test("a 45-day certificate is expiring only past its renewal point (15 days left), not from 30 days left")
    func shortLivedExpiring() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        let notBefore = try #require(ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z"))
        try fixture.caSigned(
            "mx1", hosts: ["mx1.example.com"], ca: ca, notBefore: "20270101000000Z", notAfter: "20270215000000Z",
            now: notBefore)
        func status(day: Double) throws -> CertificateStatus {
            try Inventory.load(store: fixture.store, now: notBefore.addingTimeInterval(day * 86_400)).entries[0].status
        }
        #expect(try status(day: 20) == .valid)
        #expect(try status(day: 29.9) == .valid)
        #expect(try status(day: 30.1) == .expiring)
        // Not obtained over ACME: no renewal moment to show.
        #expect(try Inventory.load(store: fixture.store, now: notBefore).entries[0].renewsFrom == nil)
    }

    @Test("a name with only a CSR is pending; bound services are listed")
    func pendingAndServices() throws {
        let fixture = try StoreFixture()
        let now = Date()
        _ = try SigningRequest(name: "corp", hostnames: ["mx1.example.com"], key: .generate(.rsa2048), force: false)
            .run(store: fixture.store, csrFile: "/tmp/x.csr", now: now)
        try fixture.selfSigned("mx2", hosts: ["mx2.example.com"], now: now)
        try Data(#"{"smtp": "mx2", "submission": "mx2", "dovecot": "other"}"#.utf8).write(to: fixture.paths.bindings)
        let entries = try Inventory.load(store: fixture.store, now: now).entries
        #expect(entries.map(\.name) == ["corp", "mx2"])
        #expect(entries[0].status == .pending)
        #expect(entries[0].pending?.csrFile == "/tmp/x.csr")
        #expect(entries[0].keyType == "rsa2048")
        #expect(entries[1].services == ["smtp", "submission"])
    }
}

@Suite("Inventory with damaged files")
struct DamagedInventoryTests {
    @Test("a name whose certificate is unreadable is listed as damaged with the file; the others still list")
    func damagedName() throws {
        let fixture = try StoreFixture()
        let now = Date()
        let broken = try fixture.selfSigned("broken", hosts: ["a.example.com"], now: now)
        try fixture.selfSigned("fine", hosts: ["b.example.com"], now: now)
        try Data("garbage".utf8).write(to: broken.url(.certificate))
        let inventory = try Inventory.load(store: fixture.store, now: now)
        #expect(inventory.entries.map(\.status) == [.damaged, .selfSigned])
        #expect(inventory.entries[0].problem?.contains(broken.url(.certificate).path) == true)
    }

    @Test("a malformed bindings.json is a warning, not a failure")
    func badBindings() throws {
        let fixture = try StoreFixture()
        try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: Date())
        try Data("[not json".utf8).write(to: fixture.paths.bindings)
        let inventory = try Inventory.load(store: fixture.store, now: Date())
        #expect(inventory.entries.count == 1)
        #expect(inventory.warnings.first?.contains("bindings.json") == true)
    }

    @Test("a self-signed fallback goes ahead when the current version is unreadable")
    func fallbackOverDamaged() throws {
        let fixture = try StoreFixture()
        let broken = try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: Date())
        try Data("garbage".utf8).write(to: broken.url(.certificate))
        #expect(try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: Date()).number == 2)
    }
}
