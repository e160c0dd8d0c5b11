import MailcertCrypto

/// TLS over a `SocketConnection`, as a `ByteSource` a `LineReader` reads from: how an SMTP client goes on talking
/// once the server said 220 to STARTTLS. Every wait, the handshake's included, is bounded by the caller's deadline.
///
/// Not thread-safe: one owner drives it, one step at a time.
package final class TLSByteSource: ByteSource {
    package let connection: SocketConnection
    package let session: TLSSession
    package var peer: String { connection.peer }

    /// `session` must be fresh: the handshake starts with the first byte after the server's 220.
    package init(connection: SocketConnection, session: TLSSession) {
        self.connection = connection
        self.session = session
    }

    /// Runs the handshake to its end: `CheckError.handshake` when it fails or the peer closes during it, `.timeout`
    /// when the deadline passes first.
    package func handshake(deadline: Deadline) throws {
        do {
            while true {
                let progress = try session.handshake()
                try flush(deadline: deadline)
                switch progress {
                case .done: return
                case .closed: throw CheckError(.handshake, "\(peer) closed the connection during the TLS handshake")
                case .needsInput:
                    let bytes = try connection.receive(maximum: 16 * 1024, deadline: deadline)
                    guard !bytes.isEmpty else {
                        throw CheckError(.handshake, "\(peer) closed the connection during the TLS handshake")
                    }
                    session.receive(bytes)
                }
            }
        } catch let error as CryptoError {
            throw CheckError(.handshake, "the TLS handshake with \(peer) failed: \(error)")
        } catch let error as CheckError where error.code == .timeout {
            throw CheckError(.timeout, "the TLS handshake with \(peer) did not finish within \(deadline.lengthText)")
        }
    }

    /// Encrypts and sends all of `bytes` before `deadline`.
    package func send(_ bytes: [UInt8], deadline: Deadline) throws {
        do {
            try session.write(bytes)
        } catch let error as CryptoError {
            throw CheckError(.closed, "the TLS connection with \(peer) failed: \(error)")
        }
        try flush(deadline: deadline)
    }

    /// Plaintext from the peer; empty once it closed TLS (close_notify) or the connection.
    package func receive(maximum: Int, deadline: Deadline) throws -> [UInt8] {
        while true {
            let bytes: [UInt8]
            let progress: TLSSession.Progress
            do {
                (bytes, progress) = try session.read(maximum: maximum)
            } catch let error as CryptoError {
                throw CheckError(.closed, "the TLS connection with \(peer) failed: \(error)")
            }
            try flush(deadline: deadline)
            if !bytes.isEmpty { return bytes }
            if progress == .closed { return [] }
            let ciphertext = try connection.receive(maximum: 16 * 1024, deadline: deadline)
            if ciphertext.isEmpty { return [] }
            session.receive(ciphertext)
        }
    }

    /// Sends close_notify, without waiting for the peer's; for a polite end after QUIT. Failures are ignored: the
    /// connection is being dropped anyway.
    package func close(deadline: Deadline) {
        session.close()
        try? flush(deadline: deadline)
    }

    /// Sends the ciphertext OpenSSL produced (handshake messages, alerts, records for a write).
    private func flush(deadline: Deadline) throws {
        let output = session.takeOutput()
        if !output.isEmpty { try connection.send(output, deadline: deadline) }
    }
}
