import SMTPProtocol
import Testing

/// Only CRLF "." CRLF ends DATA. Every other "end of data" a lax MTA might honour is kept inside the message, which is
/// then rejected whole, so the commands smuggled behind it never run (CVE-2023-51764, CVE-2023-51765 class).
@Suite("SMTP session: end of DATA and smuggling")
struct DataSmugglingTests {
    static let open = "EHLO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n"

    @Test(
        "a fake end of data with a bare LF or CR neither ends DATA nor runs the smuggled commands",
        arguments: [
            "hi\n.\nMAIL FROM:<evil@c>\nRCPT TO:<victim@mx.test>\nDATA\nforged\n",
            "hi\r\n.\nMAIL FROM:<evil@c>\r\nRCPT TO:<victim@mx.test>\r\nDATA\r\nforged\r\n",
            "hi\n.\r\nMAIL FROM:<evil@c>\r\nRCPT TO:<victim@mx.test>\r\nDATA\r\nforged\r\n",
            "hi\r.\rMAIL FROM:<evil@c>\r\nRCPT TO:<victim@mx.test>\r\nDATA\r\nforged\r\n",
            "hi\r\n.\rMAIL FROM:<evil@c>\r\nRCPT TO:<victim@mx.test>\r\nDATA\r\nforged\r\n",
        ])
    func smuggling(payload: String) {
        for byteByByte in [false, true] {
            var driver = SessionDriver()
            // The real terminator comes after a CRLF; a bare LF before "." would not make one either.
            driver.send(Self.open + payload + "\r\n.\r\nNOOP\r\n", byteByByte: byteByByte)
            #expect(driver.delivered.isEmpty)
            #expect(driver.replies.suffix(2) == [
                "554 5.6.0 Message rejected: bare <CR> or <LF> in the text; lines end with CRLF", "250 2.0.0 Ok",
            ])
            #expect(driver.replies.filter { $0 == "250 2.1.0 Ok" }.count == 1, "the smuggled MAIL never ran")
            #expect(driver.resets == 1)
        }
    }

    @Test("a dot after a bare LF is no terminator even when CRLF follows it: DATA goes on")
    func bareLineFeedBeforeDot() {
        var driver = SessionDriver()
        driver.send(Self.open + "hi\n.\r\nNOOP\r\n")
        #expect(driver.replies.last == "354 End data with <CR><LF>.<CR><LF>")
        #expect(driver.session.isReadingData)
    }

    @Test("a dot line inside a well-formed message is unstuffed, not taken for the end")
    func dotStuffing() {
        var driver = SessionDriver()
        driver.send(Self.open + "..\r\n...x\r\n. \r\n.\r\n")
        #expect(driver.delivered.first?.content == ".\r\n..x\r\n \r\n")
    }

    @Test("a terminator split across reads still ends DATA exactly once")
    func splitTerminator() {
        var driver = SessionDriver()
        driver.send(Self.open + "body\r")
        driver.send("\n.")
        #expect(driver.delivered.isEmpty)
        driver.send("\r")
        driver.send("\nNOOP\r\n")
        #expect(driver.delivered.first?.content == "body\r\n")
        #expect(driver.replies.suffix(2) == ["250 2.0.0 Ok: queued", "250 2.0.0 Ok"])
    }

    @Test("an empty message is the terminator right after DATA")
    func emptyMessage() {
        var driver = SessionDriver()
        driver.send(Self.open + ".\r\n")
        #expect(driver.delivered.first?.content == "")
    }

    @Test("a text line over 1000 octets rejects the message at its end; the session goes on", arguments: [false, true])
    func overlongDataLine(byteByByte: Bool) {
        var driver = SessionDriver()
        driver.send(Self.open + String(repeating: "a", count: 1200) + "\r\nok\r\n.\r\nNOOP\r\n", byteByByte: byteByByte)
        #expect(driver.delivered.isEmpty)
        #expect(driver.replies.suffix(2) == ["554 5.6.0 Message rejected: a line is longer than 1000 octets", "250 2.0.0 Ok"])
    }

    @Test("a line of exactly 998 octets plus CRLF is fine")
    func longestLegalLine() {
        var driver = SessionDriver()
        let line = String(repeating: "b", count: 998)
        driver.send(Self.open + line + "\r\n.\r\n")
        #expect(driver.delivered.first?.content == line + "\r\n")
    }
}
