import SMTPProtocol

/// Drives an `SMTPSession` the way the listener does, with a destination that accepts everything unless told
/// otherwise, and records what a client would see.
struct SessionDriver {
    var session: SMTPSession
    /// Every reply sent, in order, as wire text without CRLF (one entry per reply line).
    var replies: [String] = []
    var delivered: [(envelope: SMTPEnvelope, content: String)] = []
    var startTLSDiscarded: [Int] = []
    var resets = 0
    var closed = false
    /// Recipients the destination refuses with 550 5.1.1.
    var refusedRecipients: Set<String> = []
    /// When set, the destination answers DATA with this.
    var deliveryRejection: ServerReply?

    init(policy: SessionPolicy = SessionPolicy(hostname: "mx.test"), tlsAvailable: Bool = true, greet: Bool = true) {
        session = SMTPSession(policy: policy, tlsAvailable: tlsAvailable)
        if greet { run(session.greet()) }
    }

    /// Feeds `text` in one piece, or one byte at a time.
    mutating func send(_ text: String, byteByByte: Bool = false) {
        let bytes = Array(text.utf8)
        if byteByByte {
            for byte in bytes { run(session.receive([byte])) }
        } else {
            run(session.receive(bytes))
        }
    }

    mutating func completeHandshake(version: String = "TLSv1.3") {
        run(session.tlsEstablished(TLSDescription(version: version, cipher: "TLS_AES_128_GCM_SHA256", serverName: nil)))
    }

    mutating func run(_ actions: [SMTPAction]) {
        for action in actions {
            switch action {
            case .send(let reply):
                replies += String(decoding: reply.bytes, as: UTF8.self).split(separator: "\r\n").map(String.init)
            case .startTLS(let discarded): startTLSDiscarded.append(discarded)
            case .mail: run(session.stepFinished(rejection: nil))
            case .recipient(let recipient):
                let refused = refusedRecipients.contains(recipient)
                run(session.stepFinished(rejection: refused ? ServerReply(550, "5.1.1", "no such user") : nil))
            case .deliver(let envelope, let content):
                if deliveryRejection == nil { delivered.append((envelope, String(decoding: content, as: UTF8.self))) }
                run(session.stepFinished(rejection: deliveryRejection))
            case .reset: resets += 1
            case .close: closed = true
            }
        }
    }

    /// The three-digit codes of the replies' last lines, in order.
    var codes: [Int] {
        replies.filter { $0.count >= 4 && $0[$0.index($0.startIndex, offsetBy: 3)] == " " }.compactMap {
            Int($0.prefix(3))
        }
    }
}
