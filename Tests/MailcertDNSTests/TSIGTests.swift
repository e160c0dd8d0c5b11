import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

@testable import MailcertDNS

/// TSIG records laid out by hand from RFC 8945 (sections 4.2, 4.3.3 and 5.3) and MACs computed by the openssl
/// command, so neither side is checked against itself.
@Suite("TSIG signing and checking")
struct TSIGTests {
    static let secret: [UInt8] = Array(0..<32)
    static let key = try! TSIGKey(name: "Update-Key", algorithm: .sha256, secret: secret)
    static let time: UInt64 = 0x0001_6A2B_3C4D

    /// HMAC by `openssl dgst`, the independent oracle.
    static func opensslMAC(_ data: [UInt8], digest: String = "sha256") throws -> [UInt8] {
        let hexKey = secret.map { String(format: "%02x", $0) }.joined()
        let out = try Subprocess.openssl(
            ["dgst", "-\(digest)", "-mac", "HMAC", "-macopt", "hexkey:\(hexKey)"], stdin: Data(data))
        let hex = Array(
            try #require(out.stdout.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines))
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(hex[$0...$0 + 1]), radix: 16)! }
    }

    /// The TSIG variables of section 4.3.3 for key "update-key", hmac-sha256, error 0, no other data.
    static func variables(time: UInt64, fudge: Int = 300, error: Int = 0) -> [UInt8] {
        Wire.name("update-key") + Wire.u16(255) + Wire.u32(0) + Wire.name("hmac-sha256")
            + Wire.u16(Int(time >> 32)) + Wire.u32(Int(time & 0xFFFF_FFFF)) + Wire.u16(fudge) + Wire.u16(error)
            + Wire.u16(0)
    }

    static let update = try! DNSUpdate([.add(.txt("_acme-challenge.mx1.example.test", "abc"))])
        .bytes(id: 0x4242, zone: "example.test")

    @Test("an UPDATE message: opcode 5, the zone as an SOA question, the change as a class IN record")
    func updateMessage() throws {
        let expected =
            Wire.u16(0x4242) + Wire.u16(0x2800) + Wire.u16(1) + Wire.u16(0) + Wire.u16(1) + Wire.u16(0)
            + Wire.name("example.test") + Wire.u16(6) + Wire.u16(1)
            + Wire.record(Wire.name("_acme-challenge.mx1.example.test"), 16, [3] + Array("abc".utf8), ttl: 60)
        #expect(Self.update == expected)
        let delete = try DNSUpdate(
            [.delete(.txt("a.example.test", "v")), .deleteRRset("b.example.test", .tlsa)],
            prerequisites: [.rrsetAbsent("c.example.test", .txt), .nameInUse("d.example.test")]
        ).bytes(id: 1, zone: "example.test")
        let tail = Array(delete[(12 + Wire.name("example.test").count + 4)...])
        #expect(
            tail
                == Wire.name("c.example.test") + Wire.u16(16) + Wire.u16(254) + Wire.u32(0) + Wire.u16(0)
                + Wire.name("d.example.test") + Wire.u16(255) + Wire.u16(255) + Wire.u32(0) + Wire.u16(0)
                + Wire.name("a.example.test") + Wire.u16(16) + Wire.u16(254) + Wire.u32(0) + Wire.u16(2) + [1, 118]
                + Wire.name("b.example.test") + Wire.u16(52) + Wire.u16(255) + Wire.u32(0) + Wire.u16(0))
        #expect(Array(delete[4..<12]) == Wire.u16(1) + Wire.u16(2) + Wire.u16(2) + Wire.u16(0))
    }

    @Test("a TXT value over 255 bytes is cut into character-strings")
    func longTXT() throws {
        let record = try DNSUpdateRecord.txt("x.example.test", String(repeating: "a", count: 300))
        #expect(record.data.count == 302 && record.data[0] == 255 && record.data[256] == 45)
    }

    @Test("signing: ARCOUNT + 1, the TSIG record of section 4.2, the MAC over message and variables")
    func sign() throws {
        let (signed, mac) = try TSIG.sign(Self.update, key: Self.key, at: Self.time)
        let expectedMAC = try Self.opensslMAC(Self.update + Self.variables(time: Self.time))
        #expect(mac == expectedMAC)
        var expected = Self.update
        expected[11] = 1
        let data =
            Wire.name("hmac-sha256") + Wire.u16(1) + Wire.u32(0x6A2B_3C4D) + Wire.u16(300) + Wire.u16(32) + expectedMAC
            + Wire.u16(0x4242) + Wire.u16(0) + Wire.u16(0)
        expected += Wire.name("update-key") + Wire.u16(250) + Wire.u16(255) + Wire.u32(0) + Wire.u16(data.count) + data
        #expect(signed == expected)
    }

    /// An answer as a server signs it (section 4.3.1): request MAC, answer, variables.
    static func signedAnswer(requestMAC: [UInt8], time: UInt64, rcode: Int = 0) throws -> [UInt8] {
        var answer = Array(update[0..<12 + Wire.name("example.test").count + 4])
        answer[2] = 0xA8
        answer[3] = UInt8(rcode)
        answer[6...9] = [0, 0, 0, 0]
        let mac = try opensslMAC(Wire.u16(requestMAC.count) + requestMAC + answer + variables(time: time))
        answer[11] = 1
        let data =
            Wire.name("hmac-sha256") + Wire.u16(Int(time >> 32)) + Wire.u32(Int(time & 0xFFFF_FFFF)) + Wire.u16(300)
            + Wire.u16(mac.count) + mac + Wire.u16(0x4242) + Wire.u16(0) + Wire.u16(0)
        return answer + Wire.name("update-key") + Wire.u16(250) + Wire.u16(255) + Wire.u32(0) + Wire.u16(data.count)
            + data
    }

    @Test("checking an answer: the right MAC passes; a changed byte, another request's MAC or a clock off fail")
    func verify() throws {
        let (_, requestMAC) = try TSIG.sign(Self.update, key: Self.key, at: Self.time)
        let answer = try Self.signedAnswer(requestMAC: requestMAC, time: Self.time)
        let record = try #require(try TSIG.record(in: answer))
        #expect(record.keyName == "update-key" && record.originalID == 0x4242 && record.error == 0)
        #expect(try TSIG.problem(with: record, key: Self.key, requestMAC: requestMAC, now: Self.time + 10) == nil)
        let otherRequest = [UInt8](repeating: 7, count: 32)
        #expect(
            try TSIG.problem(with: record, key: Self.key, requestMAC: otherRequest, now: Self.time)?
                .contains("MAC is wrong") == true)
        var tampered = answer
        tampered[3] = 5
        let bad = try #require(try TSIG.record(in: tampered))
        #expect(try TSIG.problem(with: bad, key: Self.key, requestMAC: requestMAC, now: Self.time) != nil)
        #expect(
            try TSIG.problem(with: record, key: Self.key, requestMAC: requestMAC, now: Self.time + 301)?
                .contains("more than the 300 s") == true)
        let wrongKey = try TSIGKey(name: "update-key", algorithm: .sha256, secret: [1, 2, 3])
        #expect(try TSIG.problem(with: record, key: wrongKey, requestMAC: requestMAC, now: Self.time) != nil)
    }
}
