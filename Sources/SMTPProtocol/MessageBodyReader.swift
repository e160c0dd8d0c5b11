/// Collects the lines of a DATA section until the one terminator RFC 5321 section 4.1.1.4 defines: CRLF "." CRLF.
///
/// The SMTP smuggling defence (CVE-2023-51764 class): a bare LF or a bare CR anywhere never ends the message
/// and marks it as malformed, so `<LF>.<LF>`, `<CR>.<CR>` or `<LF>.<CR><LF>` cannot end DATA here while ending it
/// at a downstream MTA. Such a message is rejected whole once the real terminator arrives, so nothing a client
/// smuggled after a fake terminator is ever run as a command.
struct MessageBodyReader {
    /// Why the message, though read to its end, is not accepted.
    enum Violation: Equatable {
        case bareLineFeedOrCarriageReturn
        case lineTooLong
        case tooBig
    }

    let maximumSize: Int
    let maximumLineLength: Int

    private(set) var content: [UInt8] = []
    private(set) var violation: Violation?
    /// Octets received, stuffing and line ends included (what SIZE limits).
    private(set) var receivedSize = 0
    /// The line being read; kept only up to the line length limit.
    private var line: [UInt8] = []
    private var lineOverflowed = false
    /// True at the start of the body and after a line that ended in CRLF: only then can "." CRLF end it.
    private var atLineStartAfterCRLF = true

    init(maximumSize: Int, maximumLineLength: Int) {
        self.maximumSize = maximumSize
        self.maximumLineLength = maximumLineLength
    }

    /// Consumes bytes from `input` starting at `index`; returns the index after the terminator once it was seen,
    /// or nil when every byte was consumed without reaching it.
    mutating func consume(_ input: [UInt8], from index: Int) -> Int? {
        var position = index
        while position < input.count {
            let byte = input[position]
            position += 1
            receivedSize += 1
            let afterCarriageReturn = previousByte == UInt8(ascii: "\r")
            previousByte = byte
            if line.count < maximumLineLength { line.append(byte) } else { lineOverflowed = true }
            guard byte == UInt8(ascii: "\n") else { continue }
            if finishLine(endsWithCRLF: afterCarriageReturn) { return position }
        }
        return nil
    }

    /// Handles one complete line (ending in LF); true when it was the terminator.
    private mutating func finishLine(endsWithCRLF: Bool) -> Bool {
        defer {
            line.removeAll(keepingCapacity: true)
            lineOverflowed = false
        }
        let startsAfterCRLF = atLineStartAfterCRLF
        atLineStartAfterCRLF = endsWithCRLF
        if startsAfterCRLF && endsWithCRLF && line == [UInt8(ascii: "."), UInt8(ascii: "\r"), UInt8(ascii: "\n")] {
            return true
        }
        if lineOverflowed {
            record(.lineTooLong)
            return false
        }
        let body = line.dropLast(endsWithCRLF ? 2 : 1)
        if !endsWithCRLF || body.contains(UInt8(ascii: "\r")) { record(.bareLineFeedOrCarriageReturn) }
        guard violation == nil else { return false }
        // Dot-unstuffing (RFC 5321 section 4.5.2).
        let unstuffed = body.first == UInt8(ascii: ".") ? body.dropFirst() : body
        if content.count + unstuffed.count + 2 > maximumSize {
            record(.tooBig)
            return false
        }
        content += unstuffed
        content += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        return false
    }

    private var previousByte: UInt8?

    private mutating func record(_ found: Violation) {
        if violation == nil { violation = found }
        content = []
    }
}
