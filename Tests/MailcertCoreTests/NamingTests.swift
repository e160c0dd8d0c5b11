import MailcertCore
import Testing

@Suite("Hostnames and certificate names")
struct NamingTests {
    @Test(
        "valid hostnames are normalized",
        arguments: [
            ("mx1.example.com", "mx1.example.com"), ("MX1.Example.COM.", "mx1.example.com"),
            ("*.mail.example.com", "*.mail.example.com"), ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("localhost", "localhost"), ("a-b.c0.example", "a-b.c0.example"),
        ])
    func valid(input: String, expected: String) throws {
        #expect(try Hostname.validate(input) == expected)
    }

    @Test(
        "invalid hostnames are refused, naming the input and the rule",
        arguments: [
            ("", "empty"), ("bad_host.example", "only letters, digits and hyphens"),
            ("-mx.example.com", "begins or ends with a hyphen"), ("mx..example.com", "empty label"),
            ("*.*.example.com", "whole left-most label"), ("mx.*.example.com", "whole left-most label"),
            ("*.com", "at least two more labels"), ("büchér.example", "A-label"), ("192.0.2.1", "IP addresses"),
            (String(repeating: "a", count: 64) + ".example", "longer than 63"), ("mx .example.com", "only letters"),
        ])
    func invalid(input: String, rule: String) throws {
        let error = #expect(throws: MailcertError.self) { try Hostname.validate(input) }
        #expect(error?.code == .invalidHostname)
        #expect(error?.message.contains("\"\(input)\"") == true)
        #expect(error?.message.contains(rule) == true)
    }

    @Test("repeats are dropped, order kept")
    func deduplicates() throws {
        #expect(try Hostname.validateAll(["b.example", "a.example", "B.example"]) == ["b.example", "a.example"])
    }

    @Test("certificate names that could leave certs/ are refused", arguments: ["../x", "a/b", "..", ".hidden", "", "a b", "x..y"])
    func unsafeNames(input: String) throws {
        let error = #expect(throws: MailcertError.self) { try CertificateName.validate(input) }
        #expect(error?.code == .invalidName)
    }

    @Test("a wildcard's default name has no asterisk")
    func wildcardDefaultName() throws {
        #expect(CertificateName.defaultName(forHostnames: ["*.example.com"]) == "wildcard.example.com")
        #expect(try CertificateName.validate("wildcard.example.com") == "wildcard.example.com")
    }
}
