/// Reads CRLF-terminated lines of a text protocol from a connection, within a deadline and a size budget, so a
/// server sending garbage, endless lines or nothing at all ends the step instead of hanging it.
///
/// Lines split over many packets and several lines in one packet are the same to it. `discardBuffered()` drops
/// whatever arrived beyond the last line read: what STARTTLS requires before the handshake.
package final class LineReader {
    private let connection: any ByteSource
    private var buffer: [UInt8] = []
    /// Longest line accepted (RFC 5321 allows 512 for replies; servers exceed it, garbage exceeds it by far).
    let maximumLineLength: Int

    package init(_ connection: any ByteSource, maximumLineLength: Int = 4096) {
        self.connection = connection
        self.maximumLineLength = maximumLineLength
    }

    /// The next line without its line ending (a bare LF is accepted as one, as lenient clients do).
    package func line(deadline: Deadline, during step: String) throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                guard line.count <= maximumLineLength else { throw overlong(step) }
                return String(decoding: line, as: UTF8.self)
            }
            guard buffer.count <= maximumLineLength else { throw overlong(step) }
            let more = try connection.receive(deadline: deadline)
            guard !more.isEmpty else {
                throw CheckError(.closed, "\(connection.peer) closed the connection \(step)")
            }
            buffer += more
        }
    }

    /// Drops every byte received but not yet read; returns how many there were.
    package func discardBuffered() -> Int {
        defer { buffer.removeAll() }
        return buffer.count
    }

    private func overlong(_ step: String) -> CheckError {
        CheckError(
            .protocolViolation,
            "\(connection.peer) sent a line longer than \(maximumLineLength) bytes \(step): not a mail server reply")
    }
}

/// Where a `LineReader` gets bytes: a socket, or in tests a script that delivers them a byte at a time.
package protocol ByteSource: AnyObject {
    /// "192.0.2.1:25", for messages.
    var peer: String { get }
    /// The next bytes before `deadline`; empty when the peer closed the connection.
    func receive(maximum: Int, deadline: Deadline) throws -> [UInt8]
}

extension ByteSource {
    func receive(deadline: Deadline) throws -> [UInt8] { try receive(maximum: 16 * 1024, deadline: deadline) }
}
