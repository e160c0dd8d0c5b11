/// One SMTP reply (RFC 5321 section 4.2): a three-digit code and one or more lines of text.
package struct SMTPReply: Equatable {
    package let code: Int
    package let lines: [String]

    /// Most lines one reply may have; an EHLO answer has a dozen.
    static let maximumLines = 200

    /// Reads one complete reply: lines "250-…" continue it, "250 …" (or a bare "250") ends it, and every line must
    /// carry the same code.
    package static func read(from reader: LineReader, deadline: Deadline, during step: String) throws -> SMTPReply {
        var code: Int?
        var lines: [String] = []
        while true {
            let line = try reader.line(deadline: deadline, during: step)
            guard let parsed = parse(line), code == nil || parsed.code == code else {
                throw CheckError(
                    .protocolViolation,
                    "the server answered \(step) with something that is not an SMTP reply: "
                        + "\"\(sanitized(line))\"")
            }
            code = parsed.code
            lines.append(parsed.text)
            guard lines.count <= maximumLines else {
                throw CheckError(.protocolViolation, "the server's reply \(step) has more than \(maximumLines) lines")
            }
            if parsed.isLast { return SMTPReply(code: parsed.code, lines: lines) }
        }
    }

    private static func parse(_ line: String) -> (code: Int, isLast: Bool, text: String)? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let code = Int(String(decoding: bytes[0...2], as: UTF8.self)), (200...599).contains(code)
        else { return nil }
        if bytes.count == 3 { return (code, true, "") }
        switch bytes[3] {
        case UInt8(ascii: " "): return (code, true, String(decoding: bytes[4...], as: UTF8.self))
        case UInt8(ascii: "-"): return (code, false, String(decoding: bytes[4...], as: UTF8.self))
        default: return nil
        }
    }

    /// "250 mx1.example.com" or the first line of a longer reply, for messages.
    var summary: String { sanitized("\(code) \(lines.first ?? "")") }

    /// EHLO keywords (the first word of every line but the greeting), upper-cased.
    package var extensions: [String] {
        lines.dropFirst().compactMap { $0.split(separator: " ").first.map { $0.uppercased() } }
    }
}
