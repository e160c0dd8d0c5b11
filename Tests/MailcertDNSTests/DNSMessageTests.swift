import Testing

@testable import MailcertDNS

/// The encoder and the decoder, on bytes crafted by hand: no network.
@Suite("DNS wire format")
struct DNSMessageTests {
    static let example = Wire.name("example.test")

    @Test("a query: ID, RD and AD set, one question, an EDNS0 OPT record of 1232 bytes with DO unset")
    func query() {
        let bytes = DNSQuery(id: 0xBEEF, name: "example.test", type: .mx).bytes
        let expected: [UInt8] =
            [0xBE, 0xEF, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1] + Self.example + [0, 15, 0, 1]
            + [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]
        #expect(bytes == expected)
    }

    @Test("QTYPE values", arguments: [(DNSType.mx, 15), (.a, 1), (.aaaa, 28), (.tlsa, 52), (.opt, 41)])
    func types(type: DNSType, value: Int) {
        let bytes = DNSQuery(id: 1, name: "_25._tcp.mx1.example.test", type: type).bytes
        let questionEnd = 12 + Wire.name("_25._tcp.mx1.example.test").count
        #expect(
            Array(bytes[12..<questionEnd]) == [3] + Array("_25".utf8) + [4] + Array("_tcp".utf8)
                + Wire.name("mx1.example.test"))
        #expect(Array(bytes[questionEnd..<questionEnd + 2]) == Wire.u16(value))
    }

    @Test("query IDs are random")
    func randomIDs() {
        let ids = Set((0..<64).map { _ in DNSQuery(name: "example.test", type: .a).id })
        #expect(ids.count > 1)
    }

    @Test("names are lower-cased and lose one trailing dot")
    func names() throws {
        #expect(try DNSName.normalized("MX1.Example.TEST.") == "mx1.example.test")
        #expect(try DNSName.normalized("_25._tcp.mx1.example.test") == "_25._tcp.mx1.example.test")
        #expect(try DNSName.normalized(String(repeating: "a", count: 63) + ".test") != "")
        let long = Array(repeating: String(repeating: "b", count: 49), count: 5).joined(separator: ".") + ".abc"
        #expect(long.count == 253)
        #expect(try DNSName.normalized(long) == long)
    }

    @Test(
        "bad names are refused before anything is sent",
        arguments: [
            "", ".", "example..test", "example.test..", ".example.test", String(repeating: "a", count: 64) + ".test",
            Array(repeating: String(repeating: "b", count: 49), count: 5).joined(separator: ".") + ".abcd",
            "exa mple.test", "bücher.test", "a/b.test", "*.example.test",
        ])
    func badNames(name: String) {
        #expect(throws: DNSError(.badName, "")) { try DNSName.normalized(name) }
    }

    /// example.test MX: mx2 (20) and mx1 (10), the exchanges compressed against the question and each other.
    static let mxAnswer: [UInt8] = {
        var bytes = Wire.header(an: 3) + Wire.question("example.test", 15)  // question name at offset 12
        bytes += Wire.record(Wire.pointer(12), 15, Wire.u16(20) + [3] + Array("MX2".utf8) + Wire.pointer(12))
        let mx1 = bytes.count + 12 + 2  // owner pointer (2), fixed fields (10), preference (2)
        bytes += Wire.record(Wire.pointer(12), 15, Wire.u16(10) + [3] + Array("mx1".utf8) + Wire.pointer(12))
        // A pointer to a name that ends in a pointer: two jumps.
        bytes += Wire.record(Wire.pointer(12), 15, Wire.u16(10) + [3] + Array("alt".utf8) + Wire.pointer(mx1))
        return bytes
    }()

    @Test("compressed names decode, exchanges come out lower-case and sorted")
    func compression() throws {
        let response = try DNSResponse(decoding: Self.mxAnswer)
        #expect(response.id == 0x1234 && response.isResponse && !response.isTruncated && response.rcode == 0)
        #expect(response.question == DNSQuestion(name: "example.test", type: .mx, qclass: 1))
        let records = response.records(.mx, of: "example.test").compactMap {
            if case .mx(let mx) = $0 { mx } else { nil }
        }
        #expect(
            MXLookup(records)
                == .exchanges([
                    MXRecord(preference: 10, exchange: "alt.mx1.example.test"),
                    MXRecord(preference: 10, exchange: "mx1.example.test"),
                    MXRecord(preference: 20, exchange: "mx2.example.test"),
                ]))
    }

    @Test("MX 0 . is a null MX; no MX records is noMX")
    func nullMX() throws {
        let bytes =
            Wire.header(an: 1) + Wire.question("example.test", 15) + Wire.record(Wire.pointer(12), 15, [0, 0, 0])
        let response = try DNSResponse(decoding: bytes)
        let records = response.records(.mx, of: "example.test").compactMap {
            if case .mx(let mx) = $0 { mx } else { nil }
        }
        #expect(records == [MXRecord(preference: 0, exchange: "")])
        #expect(MXLookup(records) == .nullMX)
        #expect(MXLookup([]) == .noMX)
        #expect(
            MXLookup(records + [MXRecord(preference: 5, exchange: "mx.example.test")])
                == .exchanges([
                    MXRecord(preference: 5, exchange: "mx.example.test")
                ]))
    }

    @Test("a CNAME in the answer is followed to the records of its target")
    func cname() throws {
        let bytes =
            Wire.header(an: 3) + Wire.question("www.example.test", 1)
            + Wire.record(Wire.pointer(12), 5, Wire.name("host.example.test"))
            + Wire.record(Wire.name("other.example.test"), 1, [192, 0, 2, 9])
            + Wire.record(Wire.name("HOST.example.test"), 1, [192, 0, 2, 1])
        let response = try DNSResponse(decoding: bytes)
        #expect(response.records(.a, of: "www.example.test") == [.a([192, 0, 2, 1])])
        #expect(response.records(.aaaa, of: "www.example.test").isEmpty)
    }

    @Test("a CNAME loop ends without records")
    func cnameLoop() throws {
        let bytes =
            Wire.header(an: 2) + Wire.question("a.test", 1)
            + Wire.record(Wire.name("a.test"), 5, Wire.name("b.test"))
            + Wire.record(Wire.name("b.test"), 5, Wire.name("a.test"))
        #expect(try DNSResponse(decoding: bytes).records(.a, of: "a.test").isEmpty)
    }

    @Test("TLSA data, the AD bit, and an extended RCODE from the OPT record")
    func tlsaAndFlags() throws {
        let data: [UInt8] = [3, 1, 1] + Array(repeating: 0xAB, count: 32)
        let opt: [UInt8] = [0] + Wire.u16(41) + Wire.u16(1232) + [1, 0, 0, 0] + Wire.u16(0)
        let bytes =
            Wire.header(flags: 0x81A0, an: 1, ar: 1) + Wire.question("_25._tcp.mx.test", 52)
            + Wire.record(Wire.pointer(12), 52, data) + opt
        let response = try DNSResponse(decoding: bytes)
        #expect(response.isAuthenticated)
        #expect(response.rcode == 16)
        #expect(
            response.records(.tlsa, of: "_25._tcp.mx.test") == [
                .tlsa(TLSARecord(usage: 3, selector: 1, matchingType: 1, data: Array(repeating: 0xAB, count: 32)))
            ])
    }

    @Test("with TC=1 only the header and question are read: the rest is fetched again over TCP")
    func truncatedFlag() throws {
        let bytes = Wire.header(flags: 0x8380, an: 40) + Wire.question("big.test", 1) + [0xC0, 0x0C, 0x00]
        let response = try DNSResponse(decoding: bytes)
        #expect(response.isTruncated && response.answers.isEmpty)
    }

    @Test("a reply answers a query only with the same ID, QR=1 and the same question")
    func matching() throws {
        let query = DNSQuery(id: 0x1234, name: "example.test", type: .mx)
        #expect(query.isAnswered(by: try DNSResponse(decoding: Self.mxAnswer, headOnly: true)))
        let otherID = DNSQuery(id: 0x1235, name: "example.test", type: .mx)
        #expect(!otherID.isAnswered(by: try DNSResponse(decoding: Self.mxAnswer, headOnly: true)))
        let otherType = DNSQuery(id: 0x1234, name: "example.test", type: .a)
        #expect(!otherType.isAnswered(by: try DNSResponse(decoding: Self.mxAnswer, headOnly: true)))
        let notResponse = Wire.header(flags: 0x0100, an: 0) + Wire.question("example.test", 15)
        #expect(!query.isAnswered(by: try DNSResponse(decoding: notResponse)))
        let formErr = Wire.header(flags: 0x8181, qd: 0, an: 0)
        #expect(query.isAnswered(by: try DNSResponse(decoding: formErr)))
    }

    @Test(
        "compression loops and forward pointers are rejected",
        arguments: [
            // The exchange is a pointer to itself.
            Wire.header(an: 1) + Wire.question("example.test", 15)
                + Wire.record(Wire.pointer(12), 15, [0, 10, 0xC0, 44]),
            // A label, then a pointer back to that label: backwards, yet a loop.
            Wire.header(an: 1) + Wire.question("example.test", 15)
                + Wire.record(Wire.pointer(12), 15, [0, 10, 1, 0x61, 0xC0, 44]),
            // Forward: points past itself.
            Wire.header(an: 1) + Wire.question("example.test", 15)
                + Wire.record(Wire.pointer(12), 15, [0, 10, 0xC0, 60]),
            // Into the header.
            Wire.header(an: 1) + Wire.question("example.test", 15)
                + Wire.record(Wire.pointer(12), 15, [0, 10, 0xC0, 2]),
            // The question's own name points at itself.
            Wire.header(an: 0) + [0xC0, 12, 0, 15, 0, 1],
            // Label type 01 (extended labels) is not supported.
            Wire.header(an: 0) + [0x41, 0, 0, 15, 0, 1],
        ])
    func pointerLoops(bytes: [UInt8]) {
        #expect(throws: DNSError(.malformedAnswer, "")) { try DNSResponse(decoding: bytes) }
    }

    @Test("every truncation of a good answer is malformedAnswer, never a crash")
    func truncations() throws {
        let full = Self.mxAnswer
        _ = try DNSResponse(decoding: full)
        for length in 0..<full.count {
            #expect(throws: DNSError(.malformedAnswer, "")) { try DNSResponse(decoding: Array(full.prefix(length))) }
        }
    }

    @Test(
        "record data must fill RDLENGTH exactly",
        arguments: [
            Wire.record(Wire.pointer(12), 1, [192, 0, 2, 1, 0]),  // A with 5 bytes
            Wire.record(Wire.pointer(12), 28, [0, 0, 0, 1]),  // AAAA with 4
            Wire.record(Wire.pointer(12), 15, [0, 10]),  // MX without an exchange
            Wire.record(Wire.pointer(12), 15, [0, 10, 0, 0]),  // MX with a byte after its name
            Wire.record(Wire.pointer(12), 52, [3, 1]),  // TLSA without the matching type
            // RDLENGTH past the end of the message.
            Wire.pointer(12) + Wire.u16(1) + Wire.u16(1) + Wire.u32(0) + Wire.u16(9) + [192, 0, 2, 1],
        ])
    func badRecordData(record: [UInt8]) {
        let bytes = Wire.header(an: 1) + Wire.question("example.test", 15) + record
        #expect(throws: DNSError(.malformedAnswer, "")) { try DNSResponse(decoding: bytes) }
    }

    @Test("names over 255 octets are rejected")
    func longName() {
        let label: [UInt8] = [63] + Array(repeating: 0x61, count: 63)
        let bytes = Wire.header(an: 0) + label + label + label + label + [0, 0, 1, 0, 1]
        #expect(throws: DNSError(.malformedAnswer, "")) { try DNSResponse(decoding: bytes) }
    }

    @Test("odd label bytes come out escaped, not as dots or control characters")
    func escapes() throws {
        let bytes = Wire.header(an: 0) + [4, 0x61, 0x2E, 0x5C, 0x07, 4] + Array("test".utf8) + [0, 0, 1, 0, 1]
        #expect(try DNSResponse(decoding: bytes).question?.name == "a\\.\\\\\\007.test")
    }

    @Test("random bytes and random mutations of a good answer never crash the decoder")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<4000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...80, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            } else {
                bytes = Self.mxAnswer
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
            }
            _ = try? DNSResponse(decoding: bytes)
        }
    }

    @Test("durations in messages")
    func durations() {
        #expect(DNSResolver.seconds(.seconds(5)) == "5 s")
        #expect(DNSResolver.seconds(.milliseconds(300)) == "0.3 s")
        #expect(DNSResolver.seconds(.milliseconds(1250)) == "1.25 s")
    }
}
