import Foundation
import Testing

@testable import ACME

/// The CA's dates are read without ICU: the fuzzer found a renewal-information window whose 100-digit fraction of a
/// second made ICU's date parser die of SIGFPE. ISO8601DateFormatter is the oracle for the ordinary forms.
@Suite struct WireDateTests {
    static func oracle(_ text: String, fractional: Bool = false) -> Date? {
        let formatter = ISO8601DateFormatter()
        if fractional { formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds] }
        return formatter.date(from: text)
    }

    @Test(arguments: ["2026-03-01T00:00:00Z", "1970-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "2026-03-01T08:30:00+02:00",
                      "2026-03-01T08:30:00-05:30", "2100-12-31T12:00:00Z", "1999-12-31T23:59:59z"])
    func agreesWithFoundationOnOrdinaryDates(_ text: String) throws {
        #expect(WireDate.rfc3339(text) == Self.oracle(text.replacingOccurrences(of: "z", with: "Z")))
    }

    @Test func fractionsAreReadToTheNanosecondAndLongOnesDoNotCrash() throws {
        let half = try #require(WireDate.rfc3339("2026-03-02T12:30:00.5Z"))
        #expect(half == Self.oracle("2026-03-02T12:30:00.500Z", fractional: true))
        let found = "2026-03-02T12:30:00.123" + String(repeating: "6", count: 100) + "Z"
        let long = try #require(WireDate.rfc3339(found))
        #expect(abs(long.timeIntervalSince(half) - (0.123666666 - 0.5)) < 1e-6)
        // The fuzzer's input, whole, through the decoder every ACME answer goes through.
        let answer = #"{"suggestedWindow":{"start":"2026-03-01T00:00:00Z","end":"\#(found)"}}"#
        #expect(try ACMEJSON.decoder.decode(RenewalInfo.self, from: Data(answer.utf8)).suggestedWindow.end == long)
    }

    @Test(arguments: ["", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01 00:00:00Z", "2026-03-01T00:00:00",
                      "2026-03-01T24:00:00Z", "2026-03-01T00:00:00.Z", "2026-03-01T00:00:00+2:00", "26-03-01T00:00:00Z",
                      "2026-03-01T00:00:00Zjunk"])
    func refusesWhatIsNotRFC3339(_ text: String) {
        #expect(WireDate.rfc3339(text) == nil)
    }

    @Test func readsTheHTTPDateOfRetryAfter() {
        #expect(WireDate.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(WireDate.httpDate("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(WireDate.httpDate("Sun, 31 Nov 1994 08:49:37 GMT") == nil)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetryAfter.date("120", now: now) == now.addingTimeInterval(120))
        #expect(RetryAfter.date("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == Date(timeIntervalSince1970: 784_111_777))
    }
}
