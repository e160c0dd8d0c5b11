import CMailcertShims
import COpenSSL

/// An OpenSSL `SSL_CTX`: the settings every TLS session made from it shares.
///
/// Immutable once built; OpenSSL allows sessions on many threads to share one context.
public final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { SSL_CTX_free(pointer) }

    /// A client context for probing servers nobody controls.
    ///
    /// It accepts whatever the server offers (TLS 1.0 and up, security level 0) and does not verify during the
    /// handshake, so a weak or broken server is reported by the checks after the handshake instead of failing with
    /// a handshake alert that says little. `maximumChainBytes` bounds the certificate message OpenSSL accepts.
    public static func probingClient(maximumChainBytes: Int = 256 * 1024) throws -> TLSContext {
        OpenSSLErrorQueue.clear()
        guard let method = TLS_client_method(), let context = SSL_CTX_new(method) else {
            throw CryptoError.openSSL(.tls, "cannot create an OpenSSL TLS client context")
        }
        let tls = TLSContext(taking: context)
        SSL_CTX_set_security_level(context, 0)
        guard mc_SSL_CTX_set_min_proto_version(context, TLS1_VERSION) == 1,
            SSL_CTX_set_cipher_list(context, "ALL:@SECLEVEL=0") == 1
        else { throw CryptoError.openSSL(.tls, "cannot configure the TLS client context") }
        mc_SSL_CTX_forbid_renegotiation_and_compression(context)
        _ = mc_SSL_CTX_set_max_cert_list(context, maximumChainBytes)
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        OpenSSLErrorQueue.clear()
        return tls
    }
}
