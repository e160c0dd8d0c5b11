import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Testing

@Suite("Self-signed fallback never replaces a valid CA-signed certificate")
struct SelfSignedFallbackTests {
    @Test("refused over a valid CA-signed version; nothing changes")
    func refusedOverValidCASigned() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        try fixture.caSigned("mx1", hosts: ["mx1.example.com"], ca: ca, now: Date())
        let now = Date()  // after the CA signed: its notBefore is the signing second
        let before = fixture.snapshot()
        let error = #expect(throws: MailcertError.self) { try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now) }
        #expect(error?.code == .wouldReplaceCASigned)
        #expect(error?.message.contains("version 1") == true)
        #expect(error?.message.contains("--force") == true)
        #expect(fixture.snapshot() == before)
        #expect(fixture.currentTarget("mx1") == "versions/1")
    }

    @Test("--force replaces it anyway")
    func forced() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        try fixture.caSigned("mx1", hosts: ["mx1.example.com"], ca: ca, now: Date())
        let version = try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: Date(), force: true)
        #expect(version.number == 2)
        #expect(fixture.currentTarget("mx1") == "versions/2")
    }

    @Test("allowed over an expired CA-signed version: the host must not be left without a usable certificate")
    func allowedOverExpired() throws {
        let fixture = try StoreFixture()
        let ca = try TestCA()
        let now = Date()
        try fixture.caSigned("mx1", hosts: ["mx1.example.com"], ca: ca, notBefore: "20200101000000Z", notAfter: "20210101000000Z", now: now)
        #expect(try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: now).number == 2)
    }

    @Test("allowed over an earlier self-signed version")
    func allowedOverSelfSigned() throws {
        let fixture = try StoreFixture()
        try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: Date())
        #expect(try fixture.selfSigned("mx1", hosts: ["mx1.example.com"], now: Date()).number == 2)
    }
}
