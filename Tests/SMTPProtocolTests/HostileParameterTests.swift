import SMTPProtocol
import Testing

/// MAIL and RCPT parameters as the fuzzer (Fuzz/SMTPSession) sent them: the session answers, never traps, and what
/// it quotes back stays within a reply line.
@Suite("SMTP session: hostile MAIL and RCPT parameters")
struct HostileParameterTests {
    @Test("a parameter with no keyword (\"=\", \"=7BIT\") is an unsupported option, not a crash",
          arguments: ["=", "=7BIT", "=="])
    func emptyKeyword(parameter: String) {
        var driver = SessionDriver()
        driver.send("EHLO c\r\nMAIL FROM:<a@c> \(parameter)\r\nNOOP\r\n")
        #expect(driver.replies.suffix(2) == ["555 5.5.4 Unsupported option: \(parameter)", "250 2.0.0 Ok"])
    }

    @Test("a refused parameter of 900 octets is quoted cut short: every reply line fits 512 octets with its CRLF",
          arguments: ["MAIL FROM:<a@c> X", "MAIL FROM:<a@c>\r\nRCPT TO:<b@mx.test> X"])
    func longParameterQuotedShort(command: String) {
        var driver = SessionDriver()
        driver.send("EHLO c\r\n\(command)\(String(repeating: "y", count: 900))\r\n")
        let refusal = driver.replies.last ?? ""
        #expect(refusal.hasPrefix("555 5.5.4 Unsupported option: Xyyy"), "\(refusal)")
        #expect(refusal.hasSuffix("..."))
        #expect(driver.replies.allSatisfy { $0.utf8.count + 2 <= 512 })
    }

    @Test("a refused parameter of one character with 400 combining marks is cut by octets, not characters")
    func combiningMarksQuotedShort() {
        var driver = SessionDriver()
        driver.send("EHLO c\r\nMAIL FROM:<a@c> X\(String(repeating: "\u{301}", count: 400))\r\n")
        // Compared as octets: as characters, "X" and "X" with its marks differ.
        #expect(driver.replies.last?.utf8.starts(with: "555 5.5.4 Unsupported option: X".utf8) == true)
        #expect(driver.replies.allSatisfy { $0.utf8.count + 2 <= 512 })
    }
}
