/// The part of TOML a serve config uses, checked before TOMLKit sees the text.
///
/// TOMLKit's parser (toml++ 3.4.0, built with its assertions on) aborts the process on some malformed documents
/// instead of reporting them: "[" alone on a line, "[]", "[[[" (marzer/tomlplusplus#301), "listen = [}" and more,
/// found by Fuzz/ServeConfig. No TOMLKit release has the fixes, so a config reaches it only when it is made of
/// what mailcert documents: comments, `[table]` headers, `key = value` with bare or quoted keys, and values that are
/// strings on one line, numbers (integers, decimals, inf, nan), booleans, or arrays of those. Anything else is
/// refused with the line it is on.
struct TOMLSubset {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    /// "line N: why" for the first construct outside the subset, nil when the whole text is inside it.
    static func problem(in text: String) -> String? {
        var reader = TOMLSubset(bytes: Array(text.utf8))
        do {
            try reader.document()
            return nil
        } catch {
            return "line \(error.line): \(error.reason)"
        }
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private struct Refusal: Error {
        let line: Int
        let reason: String
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func refuse(_ reason: String) -> Refusal { Refusal(line: line, reason: reason) }

    private mutating func document() throws(Refusal) {
        while current != nil {
            skipBlanks()
            switch current {
            case UInt8(ascii: "["):
                position += 1
                skipBlanks()
                if current == UInt8(ascii: "[") { throw refuse("arrays of tables ([[...]]) are not used here") }
                try key()
                skipBlanks()
                guard current == UInt8(ascii: "]") else { throw refuse("a table header must be [name], e.g. [limits]") }
                position += 1
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), nil: break
            default:
                try key()
                skipBlanks()
                guard current == UInt8(ascii: "=") else { throw refuse("expected key = value") }
                position += 1
                skipBlanks()
                try value(nested: false)
            }
            try endOfLine()
        }
    }

    /// Blanks, an optional comment, then a line end or the end of the text.
    private mutating func endOfLine() throws(Refusal) {
        skipBlanks()
        if current == UInt8(ascii: "#") { while let byte = current, byte != UInt8(ascii: "\n") { position += 1 } }
        if current == UInt8(ascii: "\r") { position += 1 }
        switch current {
        case nil: return
        case UInt8(ascii: "\n"):
            position += 1
            line += 1
        default: throw refuse("unexpected text after the value (one key = value per line)")
        }
    }

    private mutating func key() throws(Refusal) {
        if current == UInt8(ascii: "\"") || current == UInt8(ascii: "'") { return try string() }
        let start = position
        while let byte = current, Self.isBareKey(byte) { position += 1 }
        guard position > start else { throw refuse("expected a key (letters, digits, _ and -) or a quoted key") }
        if current == UInt8(ascii: ".") { throw refuse("dotted keys are not used here: write the table header") }
    }

    private mutating func value(nested: Bool) throws(Refusal) {
        switch current {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): try string()
        case UInt8(ascii: "["):
            if nested { throw refuse("arrays inside arrays are not used here") }
            try array()
        default: try scalar()
        }
    }

    /// "..." with backslash escapes or '...', on one line; TOMLKit checks the escapes themselves.
    private mutating func string() throws(Refusal) {
        let quote = current!
        if position + 2 < bytes.count, bytes[position + 1] == quote, bytes[position + 2] == quote {
            throw refuse("multi-line strings are not used here")
        }
        position += 1
        while let byte = current, byte != quote {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
            position += byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") ? 2 : 1
        }
        guard current == quote else { throw refuse("a string is not closed on its line") }
        position += 1
    }

    /// `[ value, value, ]` over any number of lines, with comments between values.
    private mutating func array() throws(Refusal) {
        position += 1
        while true {
            try skipBlanksAndLines()
            if current == UInt8(ascii: "]") { break }
            try value(nested: true)
            try skipBlanksAndLines()
            if current == UInt8(ascii: ",") {
                position += 1
            } else if current != UInt8(ascii: "]") {
                throw refuse("expected , or ] in a list")
            }
        }
        position += 1
    }

    /// An integer, a decimal (with an exponent or not), inf, nan or a boolean: a run of the characters these use,
    /// of a shape TOMLKit parses or reports, never one of the number forms it asserts on.
    private mutating func scalar() throws(Refusal) {
        let start = position
        while let byte = current, Self.isBareKey(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") {
            position += 1
        }
        let token = String(decoding: bytes[start..<position], as: UTF8.self)
        let unsigned = token.hasPrefix("+") || token.hasPrefix("-") ? token.dropFirst() : token[...]
        if ["true", "false"].contains(token) || ["inf", "nan"].contains(unsigned) { return }
        guard let first = unsigned.first, first.isASCII, first.isNumber,
            unsigned.allSatisfy({ $0.isASCII && ($0.isNumber || "_.eE+-".contains($0)) })
        else { throw refuse("expected a value: \"text\", a number, true, false or a [list]") }
    }

    private mutating func skipBlanks() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { position += 1 }
    }

    private mutating func skipBlanksAndLines() throws(Refusal) {
        while true {
            skipBlanks()
            switch current {
            case UInt8(ascii: "#"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): try endOfLine()
            case nil: throw refuse("a list is not closed with ]")
            default: return
            }
        }
    }

    private static func isBareKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
