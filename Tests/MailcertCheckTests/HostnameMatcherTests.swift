import MailcertCheck
import Testing

/// RFC 9525 section 6.3: a wildcard only as the whole left-most label, matching exactly one label.
@Suite("Hostname matching")
struct HostnameMatcherTests {
    @Test(
        "which presented names cover which hostnames",
        arguments: [
            ("mx1.example.com", "mx1.example.com", true),
            ("MX1.Example.COM", "mx1.example.com", true),
            ("mx1.example.com.", "mx1.example.com", true),
            ("mx1.example.com", "mx1.example.com.", true),
            ("mx1.example.com", "mx2.example.com", false),
            ("*.example.com", "mx1.example.com", true),
            ("*.example.com", "example.com", false),
            ("*.example.com", "a.mx1.example.com", false),
            ("*.example.com", ".example.com", false),
            ("mx*.example.com", "mx1.example.com", false),
            ("*mx.example.com", "amx.example.com", false),
            ("m*x.example.com", "mx.example.com", false),
            ("*.*.example.com", "a.b.example.com", false),
            ("mx1.*.com", "mx1.example.com", false),
            ("*.com", "example.com", false),
            ("*", "localhost", false),
            ("*.example.com", "*.example.com", false),
            ("", "mx1.example.com", false),
            // Only ASCII folds: U+212A KELVIN SIGN lower-cases to "k" in Unicode, but is not the letter K.
            ("\u{212A}.example.com", "k.example.com", false),
            ("xn--bcher-kva.example.com", "XN--BCHER-KVA.example.com", true),
        ])
    func matching(pattern: String, hostname: String, expected: Bool) {
        #expect(HostnameMatcher.matches(pattern: pattern, hostname: hostname) == expected)
    }
}
