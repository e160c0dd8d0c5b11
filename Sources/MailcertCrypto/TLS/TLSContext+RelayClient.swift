import CMailcertShims
import COpenSSL

extension TLSContext {
    /// A client context for relaying mail to an upstream over STARTTLS, optionally presenting a client certificate.
    ///
    /// TLS 1.2 and up, OpenSSL's default ciphers at the system's security level, no renegotiation or compression.
    /// It does not verify during the handshake: under a verifying policy the caller judges the chain the upstream
    /// sent with the same checks `mailcert check` runs, after the handshake, so a refusal names the check that
    /// failed instead of a handshake alert that says little (and nothing is sent before the verdict).
    /// `clientIdentity` is sent when the upstream asks for a certificate (Postfix: `smtpd_tls_ask_ccert`).
    public static func relayClient(clientIdentity: ServerIdentity? = nil) throws -> TLSContext {
        OpenSSLErrorQueue.clear()
        guard let method = TLS_client_method(), let pointer = SSL_CTX_new(method) else {
            throw CryptoError.openSSL(.tls, "cannot create an OpenSSL TLS client context")
        }
        let context = TLSContext(taking: pointer)
        guard mc_SSL_CTX_set_min_proto_version(pointer, TLS1_2_VERSION) == 1 else {
            throw CryptoError.openSSL(.tls, "cannot configure the TLS client context for relaying")
        }
        mc_SSL_CTX_forbid_renegotiation_and_compression(pointer)
        // A chain this large is no certificate chain; the bound keeps a hostile upstream from filling memory.
        _ = mc_SSL_CTX_set_max_cert_list(pointer, 256 * 1024)
        SSL_CTX_set_verify(pointer, SSL_VERIFY_NONE, nil)
        if let identity = clientIdentity { try use(identity, in: context) }
        OpenSSLErrorQueue.clear()
        return context
    }

    private static func use(_ identity: ServerIdentity, in context: TLSContext) throws {
        guard let intermediates = mc_sk_X509_new_null() else {
            throw CryptoError.openSSL(.tls, "\(identity.label): out of memory")
        }
        defer { mc_sk_X509_free(intermediates) }
        for certificate in identity.chain.dropFirst() { _ = mc_sk_X509_push(intermediates, certificate.pointer) }
        let (leaf, key) = (identity.leaf.pointer, identity.key.pointer)
        guard SSL_CTX_use_cert_and_key(context.pointer, leaf, key, intermediates, 1) == 1 else {
            throw CryptoError.openSSL(
                .tls, "\(identity.label): OpenSSL refused the certificate and key as a TLS client certificate")
        }
    }
}
