/// The plaintext conversation before the TLS handshake, per protocol.
///
/// Each step has its own deadline. When the server agrees to start TLS, whatever it sent beyond that answer is
/// discarded and counted: those bytes predate the handshake and were never protected (CVE-2021-38371 class), so
/// they must not be read as if they came over TLS.
struct StartTLSDialog {
    let reader: LineReader
    let connection: SocketConnection
    let timeout: Duration
    /// The name sent with EHLO.
    let ehloName: String

    /// What happened before the handshake.
    struct Outcome {
        /// What the server offered, for the report ("SIZE, PIPELINING, STARTTLS, …").
        var offered: [String]
        /// Bytes the server sent after agreeing to start TLS, discarded.
        var discardedBytes: Int
        /// Bytes the server sent before TLS that answered nothing we asked (after its greeting or a reply),
        /// discarded so they cannot pass for the answer to our next command.
        var unsolicitedBytes = 0
    }

    func run(_ protocolKind: StartTLSProtocol) throws -> Outcome {
        switch protocolKind {
        case .smtp: return try smtp()
        case .imap: return try imap()
        case .pop3: return try pop3()
        case .none: return Outcome(offered: [], discardedBytes: 0)
        }
    }

    private func smtp() throws -> Outcome {
        let banner = try SMTPReply.read(from: reader, deadline: .after(timeout), during: "in its greeting")
        guard banner.code == 220 else {
            throw CheckError(.rejected, "\(connection.peer) refused the session: \(banner.summary)")
        }
        var unsolicited = reader.discardBuffered()
        try send("EHLO \(ehloName)")
        let ehlo = try SMTPReply.read(from: reader, deadline: .after(timeout), during: "to EHLO")
        unsolicited += reader.discardBuffered()
        guard ehlo.code == 250 else {
            throw CheckError(.rejected, "\(connection.peer) refused EHLO \(ehloName): \(ehlo.summary)")
        }
        guard ehlo.extensions.contains("STARTTLS") else {
            throw CheckError(
                .starttlsNotOffered,
                "\(connection.peer) does not offer STARTTLS (EHLO lists: "
                    + "\(ehlo.extensions.isEmpty ? "nothing" : ehlo.extensions.joined(separator: ", "))); "
                    + "mail to it travels in clear text")
        }
        try send("STARTTLS")
        let answer = try SMTPReply.read(from: reader, deadline: .after(timeout), during: "to STARTTLS")
        guard answer.code == 220 else {
            throw CheckError(.starttlsRefused, "\(connection.peer) offered STARTTLS but refused it: \(answer.summary)")
        }
        return Outcome(
            offered: ehlo.extensions, discardedBytes: reader.discardBuffered(), unsolicitedBytes: unsolicited)
    }

    private func imap() throws -> Outcome {
        let greeting = try reader.line(deadline: .after(timeout), during: "in its greeting")
        guard greeting.hasPrefix("* OK") else {
            throw CheckError(
                .rejected, "\(connection.peer) did not greet as an IMAP server: \"\(sanitized(greeting))\"")
        }
        try send("a1 CAPABILITY")
        let capabilities = try imapResponse(tag: "a1", during: "to CAPABILITY")
            .filter { $0.uppercased().hasPrefix("* CAPABILITY ") }
            .flatMap { $0.split(separator: " ").dropFirst(2).map { $0.uppercased() } }
        guard capabilities.contains("STARTTLS") else {
            throw CheckError(.starttlsNotOffered, "\(connection.peer) does not offer STARTTLS in its IMAP capabilities")
        }
        try send("a2 STARTTLS")
        _ = try imapResponse(tag: "a2", during: "to STARTTLS", refusal: .starttlsRefused)
        return Outcome(offered: capabilities, discardedBytes: reader.discardBuffered())
    }

    /// Untagged lines up to the tagged completion; a completion other than OK is an error.
    private func imapResponse(
        tag: String, during step: String, refusal: CheckError.Code = .rejected
    ) throws -> [String] {
        let deadline = Deadline.after(timeout)
        var untagged: [String] = []
        while true {
            let line = try reader.line(deadline: deadline, during: step)
            if line.hasPrefix(tag + " ") {
                guard line.uppercased().hasPrefix("\(tag.uppercased()) OK") else {
                    throw CheckError(refusal, "\(connection.peer) answered \(step): \"\(sanitized(line))\"")
                }
                return untagged
            }
            untagged.append(line)
            guard untagged.count <= SMTPReply.maximumLines else {
                throw CheckError(.protocolViolation, "\(connection.peer) sent too many lines \(step)")
            }
        }
    }

    private func pop3() throws -> Outcome {
        let greeting = try reader.line(deadline: .after(timeout), during: "in its greeting")
        guard greeting.hasPrefix("+OK") else {
            throw CheckError(.rejected, "\(connection.peer) did not greet as a POP3 server: \"\(sanitized(greeting))\"")
        }
        try send("CAPA")
        let deadline = Deadline.after(timeout)
        var capabilities: [String] = []
        if try reader.line(deadline: deadline, during: "to CAPA").hasPrefix("+OK") {
            while case let line = try reader.line(deadline: deadline, during: "to CAPA"), line != "." {
                capabilities.append(line.split(separator: " ").first.map { $0.uppercased() } ?? "")
                guard capabilities.count <= SMTPReply.maximumLines else {
                    throw CheckError(.protocolViolation, "\(connection.peer) sent too many lines to CAPA")
                }
            }
        }
        guard capabilities.contains("STLS") else {
            throw CheckError(.starttlsNotOffered, "\(connection.peer) does not offer STLS in its POP3 capabilities")
        }
        try send("STLS")
        let answer = try reader.line(deadline: .after(timeout), during: "to STLS")
        guard answer.hasPrefix("+OK") else {
            throw CheckError(.starttlsRefused, "\(connection.peer) refused STLS: \"\(sanitized(answer))\"")
        }
        return Outcome(offered: capabilities, discardedBytes: reader.discardBuffered())
    }

    private func send(_ command: String) throws {
        try connection.send(Array((command + "\r\n").utf8), deadline: .after(timeout))
    }
}
