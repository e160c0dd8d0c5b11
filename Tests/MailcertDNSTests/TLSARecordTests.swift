import MailcertDNS
import Testing

@Suite("TLSA presentation form")
struct TLSARecordTests {
    static let sha256 = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF"

    @Test(
        "good records parse, and print back in upper-case hex",
        arguments: [
            ("3 1 1 \(sha256)", 3, 1, 1, 32),
            ("  3\t1 1 0123456789abcdef 0123456789ABCDEF 0123456789abcdef 0123456789ABCDEF \n", 3, 1, 1, 32),
            ("2 0 2 \(sha256)\(sha256)", 2, 0, 2, 64),
            ("2 0 0 30820122", 2, 0, 0, 4),
            ("255 255 255 00", 255, 255, 255, 1),
        ])
    func good(text: String, usage: Int, selector: Int, matchingType: Int, bytes: Int) throws {
        let record = try TLSARecord(parsing: text)
        #expect(
            Int(record.usage) == usage && Int(record.selector) == selector && Int(record.matchingType) == matchingType)
        #expect(record.data.count == bytes)
        let fields = text.split(whereSeparator: \.isWhitespace)
        #expect(
            record.description == fields.prefix(3).joined(separator: " ") + " "
                + fields.dropFirst(3).joined().uppercased())
        #expect(try TLSARecord(parsing: record.description) == record)
    }

    @Test("the data bytes are the hex digits")
    func bytes() throws {
        let record = try TLSARecord(parsing: "3 1 0 00ff7Fa0")
        #expect(record == TLSARecord(usage: 3, selector: 1, matchingType: 0, data: [0x00, 0xFF, 0x7F, 0xA0]))
        #expect(record.description == "3 1 0 00FF7FA0")
    }

    @Test(
        "bad records fail with a message that says what is wrong",
        arguments: [
            ("", "expected four fields"),
            ("3 1 1", "got 3"),
            ("3 1", "got 2"),
            ("256 1 1 00", "usage \"256\" is not a number from 0 to 255"),
            ("3 x 1 00", "selector \"x\""),
            ("-1 1 1 00", "usage \"-1\""),
            ("+3 1 1 00", "usage \"+3\""),
            ("3 1 99999999999999999999 00", "matching type \"99999999999999999999\""),
            ("3 1 0 abc", "odd number of hex digits (3)"),
            ("3 1 0 zz", "not hexadecimal"),
            ("3 1 1 0x12", "not hexadecimal"),
            (
                "3 1 1 \(String(sha256.dropLast(2)))",
                "matching type 1 (SHA-256) needs 32 bytes of data (64 hex digits), got 31"
            ),
            ("3 1 2 \(sha256)", "matching type 2 (SHA-512) needs 64 bytes of data (128 hex digits), got 32"),
        ])
    func bad(text: String, reason: String) {
        #expect {
            try TLSARecord(parsing: text)
        } throws: { error in
            guard let error = error as? DNSError, error.code == .badRecord else { return false }
            return error.message.contains(reason) && error.message.contains("invalid TLSA record")
        }
    }
}
