/// The server side of one ESMTP session (RFC 5321, RFC 3207 STARTTLS, RFC 2920 PIPELINING) as a pure state machine:
/// bytes in, actions out. No sockets, no TLS, no clock: the driver moves bytes, runs the actions in order and
/// reports back what the destination and the TLS layer said.
///
/// Invariants:
/// - Input is parsed only in the command and data phases. While the destination or a TLS handshake is pending,
///   bytes are kept (pipelining) or, after STARTTLS, thrown away.
/// - After STARTTLS the session forgets everything the client said before (RFC 3207 section 4.2): its EHLO name,
///   any transaction, and every byte that came behind the command.
/// - Only CRLF "." CRLF ends DATA; see `MessageBodyReader`.
public struct SMTPSession: Sendable {
    public let policy: SessionPolicy
    /// Whether STARTTLS can be served right now; the driver refreshes it, since a reload may add or lose the
    /// certificate.
    public var tlsAvailable: Bool
    /// What TLS negotiated, once it did.
    public private(set) var tls: TLSDescription?

    private var phase: Phase = .awaitingGreeting
    private var input: [UInt8] = []
    private var heloName: String?
    private var extended = false
    private var transaction: Transaction?
    private var body: MessageBodyReader?
    private var errors = 0
    /// Set after an overlong command line: bytes are dropped up to the next LF.
    private var discardingLine = false

    private enum Phase: Equatable {
        case awaitingGreeting
        case commands
        case data
        case waiting(Step)
        case handshaking
        case closed
    }

    private enum Step: Equatable {
        case mail(sender: String)
        case recipient(String)
        case deliver
    }

    private struct Transaction {
        var sender: String
        var recipients: [String] = []
        var recipientsTried = 0
    }

    public init(policy: SessionPolicy, tlsAvailable: Bool) {
        self.policy = policy
        self.tlsAvailable = tlsAvailable
    }

    /// True while the session waits for the destination or the handshake: the driver should stop reading.
    public var isWaiting: Bool {
        switch phase {
        case .waiting, .handshaking: true
        default: false
        }
    }

    /// True while message text is being read (the driver applies the data deadline instead of the command one).
    public var isReadingData: Bool { phase == .data }

    public var isClosed: Bool { phase == .closed }

    /// The 220 greeting; a client that spoke before it gets 554 instead (see `receive`).
    public mutating func greet() -> [SMTPAction] {
        guard phase == .awaitingGreeting else { return [] }
        phase = .commands
        return [.send(ServerReply(220, nil, "\(policy.hostname) ESMTP mailcert"))] + process()
    }

    /// Bytes from the client (decrypted, once TLS is on).
    public mutating func receive(_ bytes: [UInt8]) -> [SMTPAction] {
        switch phase {
        case .closed: return []
        case .awaitingGreeting:
            // RFC 5321 section 4.3.1: the client waits for the greeting. One that does not is a bot or a
            // pipelining attack; postscreen and sendmail's greet_pause reject it the same way.
            phase = .closed
            return [.send(ServerReply(554, "5.5.1", "\(policy.hostname) Error: you talked before the greeting")), .close]
        default:
            input += bytes
            return process()
        }
    }

    /// The destination's answer to the pending `.mail`, `.recipient` or `.deliver`: nil when it accepted.
    public mutating func stepFinished(rejection: ServerReply?) -> [SMTPAction] {
        guard case .waiting(let step) = phase else { preconditionFailure("no destination step is pending") }
        phase = .commands
        var actions: [SMTPAction]
        switch step {
        case .mail(let sender):
            if rejection == nil { transaction = Transaction(sender: sender) }
            actions = [.send(rejection ?? ServerReply(250, "2.1.0", "Ok"))]
        case .recipient(let recipient):
            transaction?.recipientsTried += 1
            if rejection == nil { transaction?.recipients.append(recipient) }
            actions = [.send(rejection ?? ServerReply(250, "2.1.5", "Ok"))]
        case .deliver:
            transaction = nil
            actions = [.send(rejection ?? ServerReply(250, "2.0.0", "Ok: queued"))]
            if rejection != nil { actions.append(.reset) }
        }
        return actions + process()
    }

    /// The handshake that `.startTLS` (or an implicit-TLS port) began has completed.
    public mutating func tlsEstablished(_ description: TLSDescription) -> [SMTPAction] {
        tls = description
        guard phase == .handshaking else { return [] }
        phase = .commands
        return process()
    }

    /// A deadline passed (command, data, or handshake): say so and close (RFC 5321 section 4.5.3.2).
    public mutating func timedOut() -> [SMTPAction] {
        guard phase != .closed else { return [] }
        phase = .closed
        return [.send(ServerReply(421, "4.4.2", "\(policy.hostname) Error: timeout exceeded")), .close]
    }

    /// The driver must shut down (SIGTERM past its grace period).
    public mutating func shuttingDown() -> [SMTPAction] {
        guard phase != .closed else { return [] }
        phase = .closed
        return [.send(ServerReply(421, "4.3.2", "\(policy.hostname) Service shutting down, try again later")), .close]
    }

    // MARK: - Input

    private mutating func process() -> [SMTPAction] {
        var actions: [SMTPAction] = []
        while true {
            switch phase {
            case .commands:
                guard let line = nextCommandLine(into: &actions) else { return actions }
                actions += handle(line)
            case .data:
                guard let end = body!.consume(input, from: 0) else {
                    input.removeAll(keepingCapacity: true)
                    return actions
                }
                input.removeFirst(end)
                actions += finishData()
            case .awaitingGreeting, .waiting, .handshaking, .closed:
                return actions
            }
        }
    }

    /// The next complete command line without its CRLF, or nil when more input is needed. Overlong lines and lines
    /// with a bare LF or CR are answered here and skipped.
    private mutating func nextCommandLine(into actions: inout [SMTPAction]) -> [UInt8]? {
        while phase == .commands {
            guard let newline = input.firstIndex(of: UInt8(ascii: "\n")) else {
                if discardingLine {
                    input.removeAll(keepingCapacity: true)
                } else if input.count >= policy.maximumCommandLine {
                    input.removeAll(keepingCapacity: true)
                    discardingLine = true
                    actions += error(ServerReply(500, "5.5.2", "Error: line too long"))
                }
                return nil
            }
            var line = Array(input[..<newline])
            input.removeFirst(newline + 1)
            if discardingLine {
                discardingLine = false
                continue
            }
            if line.count + 1 > policy.maximumCommandLine {
                actions += error(ServerReply(500, "5.5.2", "Error: line too long"))
                continue
            }
            guard line.last == UInt8(ascii: "\r") else {
                actions += error(ServerReply(500, "5.5.2", "Error: bare <LF> received; SMTP lines end with CRLF"))
                continue
            }
            line.removeLast()
            if line.contains(UInt8(ascii: "\r")) || line.contains(0) {
                actions += error(ServerReply(500, "5.5.2", "Error: bare <CR> or NUL in a command"))
                continue
            }
            return line
        }
        return nil
    }

    // MARK: - Commands

    private mutating func handle(_ line: [UInt8]) -> [SMTPAction] {
        let command = SMTPCommand(line: line)
        if policy.requireTLS && tls == nil && !policy.implicitTLS && !Self.allowedBeforeTLS(command) {
            return error(ServerReply(530, "5.7.0", "Must issue a STARTTLS command first"))
        }
        switch command {
        case .ehlo(let name): return greeted(name, extended: true)
        case .helo(let name): return greeted(name, extended: false)
        case .mail(let sender, let parameters): return mail(from: sender, parameters: parameters)
        case .recipient(let recipient, let parameters): return rcpt(recipient, parameters: parameters)
        case .data: return data()
        case .reset:
            return abandonTransaction() + [.send(ServerReply(250, "2.0.0", "Ok"))]
        case .noop: return [.send(ServerReply(250, "2.0.0", "Ok"))]
        case .quit:
            phase = .closed
            return [.send(ServerReply(221, "2.0.0", "Bye")), .close]
        case .help:
            return [.send(ServerReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT HELP STARTTLS"))]
        case .verify: return [.send(ServerReply(502, "5.5.1", "VRFY command is disabled"))]
        case .expand: return [.send(ServerReply(502, "5.5.1", "EXPN command is disabled"))]
        case .startTLS: return startTLS()
        case .syntaxError(let text): return error(ServerReply(501, "5.5.4", text))
        case .unknown: return error(ServerReply(500, "5.5.2", "Error: command not recognized"))
        }
    }

    /// What a TLS-required port accepts in clear (RFC 3207 section 4).
    private static func allowedBeforeTLS(_ command: SMTPCommand) -> Bool {
        switch command {
        case .ehlo, .helo, .startTLS, .noop, .reset, .quit: true
        default: false
        }
    }

    private mutating func greeted(_ name: String, extended: Bool) -> [SMTPAction] {
        let reset = abandonTransaction()
        heloName = name
        self.extended = extended
        guard extended else { return reset + [.send(ServerReply(250, nil, policy.hostname))] }
        var lines = [
            policy.hostname, "PIPELINING", "SIZE \(policy.maximumMessageSize)", "8BITMIME", "ENHANCEDSTATUSCODES",
        ]
        if tls == nil && !policy.implicitTLS && tlsAvailable { lines.append("STARTTLS") }
        return reset + [.send(ServerReply(250, nil, lines))]
    }

    private mutating func mail(from sender: String, parameters: [String]) -> [SMTPAction] {
        guard heloName != nil else { return error(ServerReply(503, "5.5.1", "Error: send HELO/EHLO first")) }
        guard transaction == nil else { return error(ServerReply(503, "5.5.1", "Error: nested MAIL command")) }
        if !parameters.isEmpty && !extended {
            return error(ServerReply(555, "5.5.4", "Error: MAIL parameters need EHLO"))
        }
        for parameter in parameters {
            // Empty pieces kept: "=" or "=7BIT" is then an unknown option, not a missing keyword.
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            switch (parts[0].uppercased(), parts.count == 2 ? parts[1].uppercased() : nil) {
            case ("SIZE", let value?):
                guard let size = Int(value) else { return error(ServerReply(501, "5.5.4", "Bad SIZE parameter")) }
                if size > policy.maximumMessageSize {
                    return [.send(ServerReply(552, "5.3.4", "Message size exceeds fixed limit"))]
                }
            case ("BODY", "7BIT"), ("BODY", "8BITMIME"): continue
            default: return error(ServerReply(555, "5.5.4", "Unsupported option: \(Self.echo(parameter))"))
            }
        }
        phase = .waiting(.mail(sender: sender))
        return [.mail(sender: sender, parameters: parameters)]
    }

    /// Client text quoted in a reply, cut short: a command line may hold 1000 octets, a reply line only 512
    /// (RFC 5321 section 4.5.3.1.5), and 64 octets say enough about which option was refused. Counted in octets,
    /// not characters: one character may carry any number of combining marks.
    private static func echo(_ text: String) -> String {
        let octets = Array(text.utf8)
        return octets.count <= 64 ? text : String(decoding: octets.prefix(64), as: UTF8.self) + "..."
    }

    private mutating func rcpt(_ recipient: String, parameters: [String]) -> [SMTPAction] {
        guard let transaction else { return error(ServerReply(503, "5.5.1", "Error: need MAIL command")) }
        guard parameters.isEmpty else {
            return error(ServerReply(555, "5.5.4", "Unsupported option: \(Self.echo(parameters.joined(separator: " ")))"))
        }
        guard !recipient.isEmpty else { return error(ServerReply(501, "5.1.3", "Bad recipient address syntax")) }
        guard transaction.recipients.count < policy.maximumRecipients else {
            return [.send(ServerReply(452, "4.5.3", "Error: too many recipients"))]
        }
        phase = .waiting(.recipient(recipient))
        return [.recipient(recipient)]
    }

    private mutating func data() -> [SMTPAction] {
        guard let transaction else { return error(ServerReply(503, "5.5.1", "Error: need MAIL command")) }
        guard !transaction.recipients.isEmpty else {
            if transaction.recipientsTried > 0 {
                return [.send(ServerReply(554, "5.5.1", "Error: no valid recipients"))]
            }
            return error(ServerReply(503, "5.5.1", "Error: need RCPT command"))
        }
        phase = .data
        body = MessageBodyReader(maximumSize: policy.maximumMessageSize, maximumLineLength: policy.maximumTextLine)
        return [.send(ServerReply(354, nil, "End data with <CR><LF>.<CR><LF>"))]
    }

    private mutating func finishData() -> [SMTPAction] {
        let reader = body!
        body = nil
        phase = .commands
        switch reader.violation {
        case .bareLineFeedOrCarriageReturn?:
            return abandonTransaction() + [
                .send(ServerReply(554, "5.6.0", "Message rejected: bare <CR> or <LF> in the text; lines end with CRLF"))
            ]
        case .lineTooLong?:
            return abandonTransaction() + [
                .send(ServerReply(554, "5.6.0", "Message rejected: a line is longer than \(policy.maximumTextLine) octets"))
            ]
        case .tooBig?:
            return abandonTransaction() + [.send(ServerReply(552, "5.3.4", "Message size exceeds fixed limit"))]
        case nil:
            let transaction = self.transaction!
            let envelope = SMTPEnvelope(
                heloName: heloName ?? "", sender: transaction.sender, recipients: transaction.recipients,
                protocolName: extended ? (tls == nil ? "ESMTP" : "ESMTPS") : "SMTP", tls: tls)
            phase = .waiting(.deliver)
            return [.deliver(envelope, content: reader.content)]
        }
    }

    private mutating func startTLS() -> [SMTPAction] {
        if tls != nil || policy.implicitTLS { return error(ServerReply(554, "5.5.1", "Error: TLS already active")) }
        guard tlsAvailable else {
            return [.send(ServerReply(454, "4.7.0", "TLS not available due to local problem"))]
        }
        let discarded = input.count
        input.removeAll()
        let reset = abandonTransaction()
        heloName = nil
        extended = false
        phase = .handshaking
        return reset + [.send(ServerReply(220, "2.0.0", "Ready to start TLS")), .startTLS(discardedBytes: discarded)]
    }

    private mutating func abandonTransaction() -> [SMTPAction] {
        guard transaction != nil else { return [] }
        transaction = nil
        return [.reset]
    }

    /// A 5xx for a bad or misplaced command; too many of them end the session (Postfix smtpd_hard_error_limit).
    private mutating func error(_ reply: ServerReply) -> [SMTPAction] {
        errors += 1
        guard errors >= policy.maximumErrors else { return [.send(reply)] }
        phase = .closed
        return [.send(reply), .send(ServerReply(421, "4.7.0", "\(policy.hostname) Error: too many errors")), .close]
    }
}
