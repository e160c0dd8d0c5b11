import MailcertCrypto
import Testing

/// RFC 4231's HMAC-SHA-256/512 test vectors (sections 4.2 and 4.3), the values every implementation must give.
@Suite("HMAC")
struct HMACTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).leftPadded }.joined() }

    @Test("RFC 4231 test case 1: key 0x0b * 20, \"Hi There\"")
    func case1() throws {
        let key = [UInt8](repeating: 0x0B, count: 20)
        let message = Array("Hi There".utf8)
        #expect(
            Self.hex(try HMAC(.sha256, key: key).mac(message))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            Self.hex(try HMAC(.sha512, key: key).mac(message))
                == "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")
    }

    @Test("RFC 4231 test case 2: key \"Jefe\"; verify accepts the right MAC only")
    func case2() throws {
        let hmac = HMAC(.sha256, key: Array("Jefe".utf8))
        let message = Array("what do ya want for nothing?".utf8)
        let mac = try hmac.mac(message)
        #expect(Self.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(try hmac.verify(mac, of: message))
        #expect(try !hmac.verify(Array(mac.dropLast()), of: message))
        #expect(try !hmac.verify(mac, of: message + [0]))
        #expect(
            Self.hex(try HMAC(.sha512, key: Array("Jefe".utf8)).mac(message))
                == "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")
    }
}

extension String {
    fileprivate var leftPadded: String { count == 1 ? "0" + self : self }
}
