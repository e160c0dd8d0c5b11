/// One reply the server sends (RFC 5321 section 4.2), with its enhanced status code (RFC 3463, RFC 2034).
public struct ServerReply: Equatable, Sendable, CustomStringConvertible {
    /// The three-digit reply code: 2xx done, 3xx go on, 4xx try again later, 5xx do not retry.
    public let code: Int
    /// "2.1.0"; nil on replies that carry none (the greeting, EHLO, and replies relayed from an upstream without one).
    public let status: String?
    /// One entry per line; never empty.
    public let lines: [String]

    public init(_ code: Int, _ status: String?, _ lines: [String]) {
        precondition((200...599).contains(code), "SMTP reply code \(code) out of range")
        self.code = code
        self.status = status
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(_ code: Int, _ status: String?, _ text: String) { self.init(code, status, [text]) }

    /// The wire form: "250-first\r\n250 last\r\n"; the enhanced status code goes on every line (RFC 2034 section 4).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for (index, line) in lines.enumerated() {
            let separator = index == lines.count - 1 ? " " : "-"
            let text = status.map { "\($0) \(line)" } ?? line
            out += Array("\(code)\(separator)\(text)\r\n".utf8)
        }
        return out
    }

    public var isPositive: Bool { code < 400 }
    public var isTransient: Bool { (400..<500).contains(code) }

    public var description: String { String(decoding: bytes, as: UTF8.self).replacingCRLFWithSpace() }
}

extension String {
    fileprivate func replacingCRLFWithSpace() -> String {
        split(separator: "\r\n", omittingEmptySubsequences: true).joined(separator: " / ")
    }
}
