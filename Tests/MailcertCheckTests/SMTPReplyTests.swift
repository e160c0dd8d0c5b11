import Testing

@testable import MailcertCheck

@Suite("Reading SMTP replies, however the network splits them")
struct SMTPReplyTests {
    static let pieceSizes = [1, 2, 7, 10_000]

    @Test("a multi-line EHLO reply is one reply with its extensions", arguments: pieceSizes)
    func multiLine(pieceSize: Int) throws {
        let source = ScriptedByteSource(
            "250-mx.example.test greets you\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n",
            pieceSize: pieceSize)
        let reply = try SMTPReply.read(from: LineReader(source), deadline: .after(.seconds(5)), during: "to EHLO")
        #expect(reply.code == 250)
        #expect(reply.extensions == ["PIPELINING", "SIZE", "STARTTLS"])
    }

    @Test("two replies in one packet are read one at a time; the rest stays for discardBuffered", arguments: pieceSizes)
    func twoReplies(pieceSize: Int) throws {
        let source = ScriptedByteSource("220 go ahead\r\n250 forged\r\n", pieceSize: pieceSize)
        let reader = LineReader(source)
        let reply = try SMTPReply.read(from: reader, deadline: .after(.seconds(5)), during: "to STARTTLS")
        #expect(reply == SMTPReply(code: 220, lines: ["go ahead"]))
        #expect(reader.discardBuffered() <= 12)
    }

    @Test(
        "what is not an SMTP reply is refused, naming what came",
        arguments: [
            "HTTP/1.1 400 Bad Request\r\n", "25\r\n", "250_hello\r\n", "999 no such code\r\n", "250-a\r\n251 b\r\n",
        ])
    func garbage(text: String) {
        let reader = LineReader(ScriptedByteSource(text, pieceSize: 3))
        #expect(throws: CheckError(.protocolViolation, "")) {
            try SMTPReply.read(from: reader, deadline: .after(.seconds(5)), during: "in its greeting")
        }
    }

    @Test("a line without end, longer than the limit, stops the read")
    func overlong() {
        let reader = LineReader(ScriptedByteSource(String(repeating: "2", count: 10_000), pieceSize: 100))
        #expect(throws: CheckError(.protocolViolation, "")) {
            try SMTPReply.read(from: reader, deadline: .after(.seconds(5)), during: "in its greeting")
        }
    }

    @Test("a close in the middle of a reply is reported as a close")
    func closed() {
        let reader = LineReader(ScriptedByteSource("250-first line\r\n250-sec", pieceSize: 4))
        #expect(throws: CheckError(.closed, "")) {
            try SMTPReply.read(from: reader, deadline: .after(.seconds(5)), during: "to EHLO")
        }
    }

    @Test("a reply of endless continuation lines stops at the line limit")
    func endless() {
        let text = String(repeating: "250-X\r\n", count: SMTPReply.maximumLines + 5)
        let reader = LineReader(ScriptedByteSource(text, pieceSize: 1000))
        #expect(throws: CheckError(.protocolViolation, "")) {
            try SMTPReply.read(from: reader, deadline: .after(.seconds(5)), during: "to EHLO")
        }
    }
}
