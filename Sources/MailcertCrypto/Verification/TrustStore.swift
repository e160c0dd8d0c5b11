import COpenSSL

/// The roots a chain may end in: the system's trust store, plus certificates the administrator adds
/// (`--ca-bundle`, a private CA, a test CA).
///
/// Built once and then only read; OpenSSL allows concurrent verification against one store.
public final class TrustStore: @unchecked Sendable {
    let pointer: OpaquePointer

    /// - Parameters:
    ///   - systemRoots: load OpenSSL's default locations (on Debian, /etc/ssl/certs).
    ///   - additional: more trusted roots (or intermediates to anchor at).
    public init(systemRoots: Bool, additional: [Certificate] = []) throws {
        OpenSSLErrorQueue.clear()
        guard let store = X509_STORE_new() else {
            throw CryptoError.openSSL(.verification, "cannot allocate an OpenSSL certificate store")
        }
        pointer = store
        if systemRoots, X509_STORE_set_default_paths(store) != 1 {
            throw CryptoError.openSSL(.verification, "cannot load the system trust store")
        }
        for certificate in additional where X509_STORE_add_cert(store, certificate.pointer) != 1 {
            throw CryptoError.openSSL(.verification, "cannot add \(certificate.subject) to the trust store")
        }
        OpenSSLErrorQueue.clear()
    }

    deinit { X509_STORE_free(pointer) }
}
