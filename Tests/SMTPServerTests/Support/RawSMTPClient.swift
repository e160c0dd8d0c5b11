import Foundation
import MailcertCheck
import MailcertCrypto
import MailcertTestSupport

/// A client that sends exactly the bytes a test gives it, in plaintext or over TLS, and reads what comes back: the
/// tool for hostile sessions no real client would send.
final class RawSMTPClient {
    private let connection: SocketConnection
    private var reader: LineReader
    private var tls: TLSByteSource?
    let timeout: Duration

    init(port: Int, timeout: Duration = .seconds(10)) throws {
        self.timeout = timeout
        connection = try SocketConnection.connect(host: "127.0.0.1", port: port, deadline: .after(timeout))
        reader = LineReader(connection)
    }

    /// Sends raw bytes (in TLS once `startTLS` ran).
    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        if let tls { try tls.send(bytes, deadline: .after(timeout)) } else { try connection.send(bytes, deadline: .after(timeout)) }
    }

    /// One whole reply; `code` and its last line's text.
    func reply(within: Duration? = nil) throws -> SMTPReply {
        try SMTPReply.read(from: reader, deadline: .after(within ?? timeout), during: "in the test")
    }

    /// The replies to `count` commands sent in one go.
    func replies(_ count: Int) throws -> [Int] { try (0..<count).map { _ in try reply().code } }

    /// Sends a command line and returns the reply code.
    @discardableResult
    func command(_ line: String) throws -> SMTPReply {
        try send(line + "\r\n")
        return try reply()
    }

    /// Everything the server sends until it closes the connection (or the deadline passes, which throws).
    func readUntilClosed(within: Duration? = nil) throws -> String {
        let deadline = Deadline.after(within ?? timeout)
        var received: [UInt8] = []
        let source: any ByteSource = tls ?? connection
        while true {
            let bytes = try source.receive(maximum: 16 * 1024, deadline: deadline)
            if bytes.isEmpty { return String(decoding: received, as: UTF8.self) }
            received += bytes
        }
    }

    /// Switches to TLS here (after the test read the 220 to STARTTLS, or at once on an implicit-TLS port).
    /// Returns the leaf the server presented.
    @discardableResult
    func startTLS(serverName: String? = nil) throws -> Certificate? {
        let session = try TLSSession(client: try TLSContext.probingClient(), serverName: serverName)
        let source = TLSByteSource(connection: connection, session: session)
        try source.handshake(deadline: .after(timeout))
        tls = source
        reader = LineReader(source)
        return session.peerChain.first
    }

    var tlsVersion: String? { tls?.session.protocolVersion }

    /// Ends TLS with close_notify, then writes `text` in plaintext on the same TCP connection, as an attacker in the
    /// path could after a client finished.
    func closeTLSThenSendPlaintext(_ text: String) throws {
        guard let tls else { throw TestSupportError("TLS is not on") }
        tls.session.close()
        try connection.send(tls.session.takeOutput() + Array(text.utf8), deadline: .after(timeout))
    }

    /// What arrives on the raw connection (ciphertext included), until the server closes it.
    func readRawUntilClosed(within: Duration? = nil) throws -> [UInt8] {
        let deadline = Deadline.after(within ?? timeout)
        var received: [UInt8] = []
        while true {
            let bytes = try connection.receive(maximum: 16 * 1024, deadline: deadline)
            if bytes.isEmpty { return received }
            received += bytes
        }
    }
}
