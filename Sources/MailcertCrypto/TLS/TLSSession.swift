import CMailcertShims
import COpenSSL

/// One TLS connection driven through memory buffers: the caller moves ciphertext between the network and the
/// session, so deadlines, sockets and event loops stay outside OpenSSL.
///
/// Not thread-safe: one owner drives it. The bytes a caller feeds are exactly the bytes that arrived after the
/// point it chose to start TLS, which is how STARTTLS callers discard plaintext buffered before the handshake.
public final class TLSSession {
    private let ssl: OpaquePointer
    /// Ciphertext from the network, read by OpenSSL (owned by `ssl`).
    private let networkIn: OpaquePointer
    /// Ciphertext OpenSSL wants sent (owned by `ssl`).
    private let networkOut: OpaquePointer
    /// Keeps the context (and, for a server, the SNI table its callback reads) alive as long as the session.
    private let context: AnyObject

    /// What a step of the handshake or a read needs next.
    public enum Progress: Equatable {
        case done
        /// More ciphertext from the peer is needed (send `takeOutput()` first).
        case needsInput
        /// The peer closed the TLS connection (close_notify).
        case closed
    }

    /// A client session; `serverName` is sent as SNI when it is a DNS name (never for an IP literal, RFC 6066).
    public convenience init(client context: TLSContext, serverName: String?) throws {
        try self.init(pointer: context.pointer, owner: context)
        SSL_set_connect_state(ssl)
        if let serverName, !serverName.isEmpty, IPAddressText.parse(serverName) == nil,
            mc_SSL_set_tlsext_host_name(ssl, serverName) != 1
        {
            throw CryptoError.openSSL(.tls, "cannot set the server name \(serverName) for SNI")
        }
    }

    /// A server session presenting `context`'s certificates; SNI may switch it to another of them.
    public convenience init(server context: ServerTLSContext) throws {
        try self.init(pointer: context.defaultContext.pointer, owner: context)
        SSL_set_accept_state(ssl)
    }

    private init(pointer: OpaquePointer, owner: AnyObject) throws {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(pointer) else { throw CryptoError.openSSL(.tls, "cannot create a TLS session") }
        guard let input = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw CryptoError.openSSL(.tls, "cannot create a TLS session buffer")
        }
        guard let output = BIO_new(BIO_s_mem()) else {
            BIO_free(input)
            SSL_free(ssl)
            throw CryptoError.openSSL(.tls, "cannot create a TLS session buffer")
        }
        // An empty input buffer means "wait for more", not end of stream.
        _ = mc_BIO_set_mem_eof_return(input, -1)
        _ = mc_BIO_set_mem_eof_return(output, -1)
        SSL_set_bio(ssl, input, output)
        self.ssl = ssl
        self.networkIn = input
        self.networkOut = output
        self.context = owner
    }

    deinit { SSL_free(ssl) }

    /// Hands ciphertext that arrived from the network to OpenSSL.
    public func receive(_ ciphertext: [UInt8]) {
        ciphertext.withUnsafeBytes { receive($0) }
    }

    /// Hands ciphertext that arrived from the network to OpenSSL, without an intermediate copy.
    public func receive(_ ciphertext: UnsafeRawBufferPointer) {
        guard !ciphertext.isEmpty else { return }
        _ = BIO_write(networkIn, ciphertext.baseAddress, Int32(ciphertext.count))
    }

    /// Bytes of ciphertext waiting to be sent.
    public var pendingOutput: Int { Int(mc_BIO_ctrl_pending(networkOut)) }

    /// Drains up to `buffer.count` bytes of pending ciphertext into `buffer`; returns how many.
    public func takeOutput(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard !buffer.isEmpty else { return 0 }
        return max(0, Int(BIO_read(networkOut, buffer.baseAddress, Int32(buffer.count))))
    }

    /// Ciphertext OpenSSL produced and the caller must send, drained.
    public func takeOutput() -> [UInt8] {
        let pending = Int(mc_BIO_ctrl_pending(networkOut))
        guard pending > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = bytes.withUnsafeMutableBytes { BIO_read(networkOut, $0.baseAddress, Int32(pending)) }
        return Array(bytes.prefix(max(0, Int(read))))
    }

    /// Advances the handshake as far as the ciphertext received so far allows.
    public func handshake() throws -> Progress {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        return try progress(after: result, doing: "the TLS handshake")
    }

    /// Decrypted application data, or what is needed before there can be some.
    public func read(maximum: Int = 16 * 1024) throws -> (bytes: [UInt8], progress: Progress) {
        OpenSSLErrorQueue.clear()
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32(maximum)) }
        if count > 0 { return (Array(buffer.prefix(Int(count))), .done) }
        return ([], try progress(after: count, doing: "reading over TLS"))
    }

    /// Decrypts into `buffer`: how many bytes, and when none, what is needed before there can be some.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> (count: Int, progress: Progress) {
        OpenSSLErrorQueue.clear()
        let count = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
        if count > 0 { return (Int(count), .done) }
        return (0, try progress(after: count, doing: "reading over TLS"))
    }

    /// Encrypts `plaintext`; the ciphertext is then in `takeOutput()`.
    public func write(_ plaintext: [UInt8]) throws {
        OpenSSLErrorQueue.clear()
        guard !plaintext.isEmpty else { return }
        let written = plaintext.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        guard written == Int32(plaintext.count) else {
            _ = try progress(after: written, doing: "writing over TLS"); return
        }
    }

    /// Queues a close_notify alert (then send `takeOutput()`).
    public func close() {
        _ = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    /// The name the client sent with SNI, if any.
    public var requestedServerName: String? {
        SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
    }

    /// The leaf this side presented (a server: the one SNI and the signature algorithms chose).
    public var localCertificate: Certificate? { SSL_get_certificate(ssl).map { Certificate(retaining: $0) } }

    /// "TLSv1.3", "TLSv1.2", …
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The negotiated cipher suite's IANA-style OpenSSL name, e.g. "TLS_AES_256_GCM_SHA384".
    public var cipher: String {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return "none" }
        return String(cString: name)
    }

    /// The certificates the peer sent, in the order it sent them (a client sees the leaf first).
    public var peerChain: [Certificate] {
        guard let chain = mc_SSL_get_peer_cert_chain(ssl) else { return [] }
        return (0..<mc_sk_X509_num(chain)).compactMap { mc_sk_X509_value(chain, $0) }.map {
            Certificate(retaining: $0)
        }
    }

    private func progress(after result: Int32, doing what: String) throws -> Progress {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .needsInput
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: throw CryptoError.openSSL(.tls, "\(what) failed")
        }
    }
}
