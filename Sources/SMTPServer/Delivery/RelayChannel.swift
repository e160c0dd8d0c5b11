import MailcertCheck
import SMTPProtocol

/// One client session's path through the upstream: one connection, opened at the first MAIL and kept for the
/// session's later transactions.
///
/// The upstream's refusals reach the client as they are (its code, enhanced status and text); a connection that
/// fails, times out or talks nonsense is dropped and the client hears 451 4.4.1, and the next MAIL reconnects. An
/// upstream the relay TLS policy refuses gets no command past EHLO (and STARTTLS) and the client hears 451 4.7.5.
/// Not Sendable and unlocked: the listener calls a channel one step at a time (see `MessageChannel`).
final class RelayChannel: MessageChannel {
    private let upstream: RelaySink
    /// The open session with the upstream; nil before the first MAIL and after a failure.
    private var connection: UpstreamConnection?
    /// True from an accepted MAIL to the upstream's reply to the message (or RSET): the upstream holds a transaction.
    private var inTransaction = false
    /// How the last connection was secured, or why it could not be used: see `MessageChannel.upstreamSecurity`.
    private(set) var upstreamSecurity: String?

    init(upstream: RelaySink) { self.upstream = upstream }

    func mail(from sender: String, parameters: [String]) -> DeliveryVerdict {
        guard Self.isOneLine([sender] + parameters) else { return .rejected(Self.notOneLine) }
        if inTransaction { reset() }
        let reused = connection != nil
        let verdict = run { try self.startTransaction(on: $0, sender: sender, parameters: parameters) }
        // An idle connection may have been closed by the upstream since the last transaction (its idle timeout, a
        // restart). That says nothing about this message, so a fresh connection gets one more try.
        guard reused, connection == nil else { return verdict }
        return run { try self.startTransaction(on: $0, sender: sender, parameters: parameters) }
    }

    func recipient(_ recipient: String) -> DeliveryVerdict {
        guard Self.isOneLine([recipient]) else { return .rejected(Self.notOneLine) }
        guard inTransaction else { return .rejected(upstream.unavailable(Self.lost)) }
        return run { connection in
            try Self.verdict(connection.command("RCPT TO:<\(recipient)>", verb: "RCPT TO"), to: "RCPT TO")
        }
    }

    func data(_ message: [UInt8]) -> DeliveryVerdict {
        guard inTransaction else { return .rejected(upstream.unavailable(Self.lost)) }
        return run { connection in
            let go = try connection.command("DATA", verb: "DATA")
            // A refused DATA leaves the upstream's transaction open; the listener's reset() sends RSET.
            guard go.code == 354 else { return try Self.verdict(go, to: "DATA", success: 354..<355) }
            try connection.send(Self.dotStuffed(message))
            let reply = try connection.reply(during: "to the end of the message")
            self.inTransaction = false
            return try Self.verdict(reply, to: "the end of the message")
        }
    }

    func reset() {
        guard inTransaction, let connection else { return }
        inTransaction = false
        // A connection that cannot even reset is not worth keeping: the next MAIL starts afresh.
        guard let reply = try? connection.command("RSET", verb: "RSET"), (200..<300).contains(reply.code) else {
            drop()
            return
        }
    }

    func close() {
        guard let connection else { return }
        drop()
        connection.quit()
    }

    private func startTransaction(
        on connection: UpstreamConnection, sender: String, parameters: [String]
    ) throws -> DeliveryVerdict {
        let passed = connection.understood(parameters).map { " " + $0 }.joined()
        let verdict = try Self.verdict(
            connection.command("MAIL FROM:<\(sender)>\(passed)", verb: "MAIL FROM"), to: "MAIL FROM")
        if case .accepted = verdict { inTransaction = true }
        return verdict
    }

    /// Runs `step` on the connection, opening it first when there is none; an `UpstreamFailure` drops the
    /// connection and becomes 451 (4.4.1, or 4.7.5 for a TLS policy refusal).
    private func run(_ step: (UpstreamConnection) throws -> DeliveryVerdict) -> DeliveryVerdict {
        do {
            let connection = try self.connection ?? open()
            self.connection = connection
            return try step(connection)
        } catch let failure as UpstreamFailure {
            drop()
            return .rejected(upstream.reply(to: failure))
        } catch {
            drop()
            return .rejected(upstream.unavailable("\(error)"))
        }
    }

    /// A new connection; what it is secured by (or why it could not be had) goes to `upstreamSecurity`.
    private func open() throws -> UpstreamConnection {
        do {
            let connection = try UpstreamConnection.open(upstream)
            upstreamSecurity = connection.security
            return connection
        } catch let failure as UpstreamFailure {
            upstreamSecurity = failure.logText
            throw failure
        }
    }

    private func drop() {
        connection = nil
        inTransaction = false
    }

    /// 2xx (or `success`) is accepted; 421 means the upstream is closing, 4xx and 5xx are its verdict on this
    /// step, passed on; anything else (a 3xx where none belongs) is nonsense and ends the connection.
    private static func verdict(
        _ reply: SMTPReply, to step: String, success: Range<Int> = 200..<300
    ) throws -> DeliveryVerdict {
        if success.contains(reply.code) { return .accepted(detail: reply.text) }
        if reply.code == 421 { throw UpstreamFailure("closed the session at \(step): \(reply.text)") }
        if (400..<600).contains(reply.code) { return .rejected(reply.relayed) }
        throw UpstreamFailure("answered \(step) with \(reply.text), which has no meaning there")
    }

    /// The message as DATA carries it: a line starting with "." gets one more (RFC 5321 section 4.5.2), the last
    /// line is ended, and "." on a line of its own ends it.
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 32 + 5)
        var atLineStart = true
        for byte in message {
            if atLineStart, byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !message.isEmpty, !message.ends(with: Array("\r\n".utf8)) { out += Array("\r\n".utf8) }
        return out + Array(".\r\n".utf8)
    }

    /// Addresses and parameters go into command lines: a CR, LF or NUL in one would smuggle in a command.
    private static func isOneLine(_ texts: [String]) -> Bool {
        texts.allSatisfy { !$0.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 } }
    }

    private static let notOneLine = ServerReply(501, "5.5.4", "an address or parameter contains a line break")
    private static let lost = "the connection was lost earlier in this transaction"
}

extension [UInt8] {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
