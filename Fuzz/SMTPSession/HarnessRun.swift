import FuzzSupport
import SMTPProtocol

/// One run of a session the way the listener drives it, with the destination and TLS answering at once, checking:
/// - nothing happens after `.close` (QUIT, too many errors, a timeout);
/// - STARTTLS is the last action of its batch and nothing said before it is acted on after it;
/// - DATA ends only at CRLF "." CRLF, and the delivered text is the dot-unstuffed message;
/// - every reply line fits 512 octets with its CRLF (RFC 5321 section 4.5.3.1.5) and holds no CR or LF.
struct HarnessRun {
    let input: FuzzInput
    /// Set for the byte-by-byte run, where the end of DATA is known to the byte.
    let tracksData: Bool
    var session: SMTPSession
    /// Every action, as text, for comparing two runs.
    var log: [String] = []
    private var closed = false
    private var steps = 0
    /// In the byte-by-byte run: the bytes read since the 354, with the CRLF that ended the DATA command in front.
    private var dataStream: [UInt8]?

    init(_ input: FuzzInput, byteByByte: Bool) {
        self.input = input
        tracksData = byteByByte
        session = SMTPSession(policy: input.policy, tlsAvailable: input.tlsAvailable)
    }

    mutating func run(chunks: [[UInt8]]) {
        if !input.talksFirst { perform(session.greet()) }
        for chunk in chunks {
            let wasReadingData = session.isReadingData
            if tracksData, dataStream != nil { dataStream!.append(chunk[0]) }
            perform(session.receive(chunk), chunk: chunk, wasReadingData: wasReadingData)
            if input.talksFirst && log.isEmpty { perform(session.greet()) }
        }
        if input.timesOutAtEnd { perform(session.timedOut()) }
        if let dataStream, session.isReadingData {
            require(Self.terminator(in: dataStream) == nil, "DATA goes on past CRLF.CRLF")
        }
    }

    private mutating func perform(_ actions: [SMTPAction], chunk: [UInt8] = [], wasReadingData: Bool = false) {
        require(!closed || actions.isEmpty, "actions after close: \(actions)")
        for (index, action) in actions.enumerated() {
            switch action {
            case .send(let reply):
                check(reply)
                log.append("send \(reply.code) \(reply.lines)")
                if reply.code == 354 && tracksData { dataStream = [13, 10] }
                if wasReadingData && tracksData && [552, 554].contains(reply.code) && dataStream != nil {
                    dataEnded(content: nil)
                }
            case .startTLS(let discarded):
                log.append("starttls")
                require(index == actions.count - 1, "actions after STARTTLS in the same batch: \(actions)")
                require(discarded <= chunk.count, "discarded \(discarded) bytes of a \(chunk.count)-byte read")
                let after = session.tlsEstablished(
                    TLSDescription(version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", serverName: nil))
                require(after.isEmpty, "bytes from before STARTTLS acted on after it: \(after)")
            case .mail(let sender, let parameters):
                log.append("mail \(sender) \(parameters)")
                perform(session.stepFinished(rejection: nextRejection()), chunk: chunk)
            case .recipient(let recipient):
                log.append("rcpt \(recipient)")
                perform(session.stepFinished(rejection: nextRejection()), chunk: chunk)
            case .deliver(let envelope, let content):
                log.append("deliver \(envelope.recipients) \(content.count)")
                require(!envelope.recipients.isEmpty, "a message delivered to nobody")
                if tracksData && dataStream != nil { dataEnded(content: content) }
                perform(session.stepFinished(rejection: nextRejection()), chunk: chunk)
            case .reset: log.append("reset")
            case .close:
                log.append("close")
                require(index == actions.count - 1, "actions after close in the same batch: \(actions)")
                closed = true
            }
        }
    }

    private func check(_ reply: ServerReply) {
        for line in reply.lines {
            require(!line.utf8.contains(13) && !line.utf8.contains(10), "CR or LF inside a reply line: \(line)")
        }
        for line in String(decoding: reply.bytes, as: UTF8.self).split(separator: "\r\n") {
            require(line.utf8.count + 2 <= 512, "a reply line of \(line.utf8.count + 2) octets: \(line.prefix(80))…")
        }
    }

    /// DATA just ended on the last byte read: that byte must complete the first CRLF "." CRLF, and a delivered
    /// message must be the text before it with each line's leading dot removed.
    private mutating func dataEnded(content: [UInt8]?) {
        let stream = dataStream!
        dataStream = nil
        guard let end = Self.terminator(in: stream) else { fatalError("DATA ended without CRLF.CRLF") }
        require(end == stream.count, "DATA ended \(stream.count - end) bytes after CRLF.CRLF")
        guard let content else { return }
        let text = Array(stream[2..<(end - 3)])
        var expected: [UInt8] = []
        for line in text.split(separator: 10, omittingEmptySubsequences: false).dropLast() {
            expected += (line.first == UInt8(ascii: ".") ? line.dropFirst() : line[...])
            expected.append(10)
        }
        require(content == expected, "delivered text is not the dot-unstuffed message")
    }

    /// The index just past the first CRLF "." CRLF.
    static func terminator(in stream: [UInt8]) -> Int? {
        let pattern: [UInt8] = [13, 10, 46, 13, 10]
        guard stream.count >= pattern.count else { return nil }
        for start in 0...(stream.count - pattern.count) where Array(stream[start..<start + 5]) == pattern {
            return start + 5
        }
        return nil
    }

    /// The destination's answer to the next step: refusals drawn from the seed when the flags ask for them.
    private mutating func nextRejection() -> ServerReply? {
        steps += 1
        guard input.destinationRefuses, (Int(input.splitSeed) >> (steps % 8)) & 1 == 1 else { return nil }
        return ServerReply(550, "5.7.1", "refused")
    }
}
