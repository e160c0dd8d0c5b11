import MailcertCrypto
import NIOCore
import SMTPProtocol

/// TLS over memory buffers: ciphertext from the socket goes into the `TLSSession`, plaintext out of it goes to the
/// `SMTPSession`, and replies go back the same way.
extension SMTPConnectionHandler {
    /// Starts the server side of a handshake (after 220 to STARTTLS, or at once on an implicit-TLS port).
    func startTLS(_ context: ChannelHandlerContext, discarded: Int) {
        guard let server = offeredContext ?? environment.contexts.current else {
            record.result = "no TLS context at STARTTLS"
            return close(context)
        }
        do {
            tls = try TLSSession(server: server)
        } catch {
            record.result = "cannot start TLS: \(error)"
            return close(context)
        }
        if discarded > 0 {
            record.notes.append("discarded \(discarded) plaintext bytes pipelined behind STARTTLS")
        }
        schedule(context, after: environment.limits.handshakeTimeout) { handler, context in
            handler.record.result = "TLS handshake timeout"
            handler.close(context)
        }
    }

    /// Advances the handshake, then hands every decrypted byte to the session.
    func pumpTLS(_ context: ChannelHandlerContext) {
        guard let tls else { return }
        do {
            if !tlsEstablished {
                switch try tls.handshake() {
                case .needsInput:
                    flushCiphertext(context)
                    return
                case .closed:
                    record.result = "client closed during the TLS handshake"
                    return close(context)
                case .done:
                    flushCiphertext(context)
                    handshakeCompleted(context, tls)
                }
            }
            try readApplicationData(context, tls)
            flushCiphertext(context)
        } catch {
            record.result = tlsEstablished ? "TLS error: \(error)" : "TLS handshake failed: \(error)"
            flushCiphertext(context)  // the alert, so the client learns why
            closing = true
            deadline?.cancel()
            context.close(promise: nil)
        }
    }

    private func handshakeCompleted(_ context: ChannelHandlerContext, _ tls: TLSSession) {
        tlsEstablished = true
        let description = TLSDescription(
            version: tls.protocolVersion, cipher: tls.cipher, serverName: tls.requestedServerName)
        record.tlsVersion = description.version
        record.cipher = description.cipher
        record.serverName = description.serverName
        record.certificate = tls.localCertificate.map { String($0.sha256Thumbprint.prefix(16)) }
        deadline?.cancel()
        var actions = session.tlsEstablished(description)
        if environment.policy.implicitTLS {
            actions += session.greet()
        }
        run(context, actions)
        armDeadlineAfterReply(context)
    }

    private func readApplicationData(_ context: ChannelHandlerContext, _ tls: TLSSession) throws {
        var plaintext = [UInt8](repeating: 0, count: 16 * 1024)
        while !closing {
            let (count, progress) = try plaintext.withUnsafeMutableBytes { try tls.read(into: $0) }
            if count > 0 {
                feed(context, Array(plaintext[..<count]))
                continue
            }
            if progress == .closed {
                // The client ended TLS. Whatever follows on this connection would be plaintext it never
                // authenticated: never read it, close.
                if record.result == "closed by client" { record.result = "client closed TLS" }
                close(context)
            }
            return
        }
    }

    /// Sends whatever ciphertext OpenSSL produced (handshake messages, records, alerts, session tickets).
    func flushCiphertext(_ context: ChannelHandlerContext) {
        guard let tls else { return }
        let pending = tls.pendingOutput
        guard pending > 0 else { return }
        var buffer = context.channel.allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { tls.takeOutput(into: $0) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
