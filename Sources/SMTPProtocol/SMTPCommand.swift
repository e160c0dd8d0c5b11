/// One client command line, parsed (RFC 5321 section 4.1). Verbs are case-insensitive; arguments keep their case.
public enum SMTPCommand: Equatable, Sendable {
    case ehlo(String)
    case helo(String)
    /// MAIL FROM:<path> with its ESMTP parameters ("SIZE=123"); the null path `<>` is "".
    case mail(sender: String, parameters: [String])
    case recipient(String, parameters: [String])
    case data
    case reset
    case noop
    case quit
    case help
    case verify
    case expand
    case startTLS
    /// A known verb with arguments it does not take, or malformed ones; the text says what is wrong.
    case syntaxError(String)
    case unknown(String)

    /// Parses one line without its CRLF.
    public init(line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        let verbEnd = text.firstIndex(of: " ") ?? text.endIndex
        let verb = text[..<verbEnd].uppercased()
        let argument = text[verbEnd...].drop(while: { $0 == " " })
        switch verb {
        case "EHLO", "HELO":
            let domain = argument.trimmingTrailingSpaces()
            if domain.isEmpty || domain.contains(" ") {
                self = .syntaxError("Syntax: \(verb) hostname")
            } else {
                self = verb == "EHLO" ? .ehlo(String(domain)) : .helo(String(domain))
            }
        case "MAIL": self = Self.parsePath(argument, keyword: "FROM:", verb: "MAIL FROM:<address>") { .mail(sender: $0, parameters: $1) }
        case "RCPT": self = Self.parsePath(argument, keyword: "TO:", verb: "RCPT TO:<address>") { .recipient($0, parameters: $1) }
        case "DATA": self = argument.isEmpty ? .data : .syntaxError("Syntax: DATA")
        case "RSET": self = argument.isEmpty ? .reset : .syntaxError("Syntax: RSET")
        case "NOOP": self = .noop
        case "QUIT": self = argument.isEmpty ? .quit : .syntaxError("Syntax: QUIT")
        case "HELP": self = .help
        case "VRFY": self = .verify
        case "EXPN": self = .expand
        case "STARTTLS": self = argument.isEmpty ? .startTLS : .syntaxError("Syntax: STARTTLS")
        default: self = .unknown(verb)
        }
    }

    /// `FROM:<path> PARAM=VALUE ...`; a space after the colon is tolerated, as every MTA does.
    private static func parsePath(
        _ argument: Substring, keyword: String, verb: String, make: (String, [String]) -> SMTPCommand
    ) -> SMTPCommand {
        guard argument.uppercased().hasPrefix(keyword) else { return .syntaxError("Syntax: \(verb)") }
        let rest = argument.dropFirst(keyword.count).drop(while: { $0 == " " })
        guard rest.first == "<", let close = rest.firstIndex(of: ">") else { return .syntaxError("Syntax: \(verb)") }
        let path = rest[rest.index(after: rest.startIndex)..<close]
        guard !path.contains("<"), !path.contains(" ") else { return .syntaxError("Syntax: \(verb)") }
        let parameters = rest[rest.index(after: close)...].split(separator: " ").map(String.init)
        return make(String(path), parameters)
    }
}

extension Substring {
    fileprivate func trimmingTrailingSpaces() -> Substring {
        var result = self
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
