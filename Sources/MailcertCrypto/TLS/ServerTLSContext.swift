import CMailcertShims
import COpenSSL

/// Everything a TLS server presents: the certificates it serves and the SNI choice among them.
///
/// Identities that name the same hosts share one `SSL_CTX`, so an RSA and an ECDSA certificate for the same names
/// are served side by side and OpenSSL picks by the client's signature algorithms. SNI picks the group whose names
/// match (exactly, then by a left-most wildcard); an unknown or absent name gets the first identity's group, never an
/// aborted handshake (a sending MTA rarely knows which name to ask for).
///
/// Immutable once built and shared by every session started from it, on any thread; a reload builds a new one.
public final class ServerTLSContext: @unchecked Sendable {
    /// The identities served, in the order given, without those skipped.
    public let identities: [ServerIdentity]
    /// Why an identity was left out: a second certificate of the same key type for the same names (the first wins).
    public let skipped: [String]
    /// Where sessions start; holds the SNI callback.
    let defaultContext: TLSContext
    /// Lower-cased DNS names and "*.suffix" wildcards, to the context serving them.
    private let contextsByName: [String: TLSContext]

    public init(identities: [ServerIdentity]) throws {
        guard let first = identities.first else {
            throw CryptoError(.tls, "a TLS server needs at least one certificate")
        }
        var groups: [[String]: TLSContext] = [:]
        var slotsTaken: [[String]: Set<Bool>] = [:]
        var byName: [String: TLSContext] = [:]
        var served: [ServerIdentity] = []
        var skipped: [String] = []
        for identity in identities {
            let names = identity.names.map { $0.lowercased() }.sorted()
            // OpenSSL keeps one certificate per key type (RSA, ECDSA) for a context.
            guard slotsTaken[names, default: []].insert(identity.key.isRSA).inserted else {
                skipped.append(
                    "\(identity.label): another \(identity.key.isRSA ? "RSA" : "ECDSA") certificate for the same names "
                        + "is served first; this one is not served")
                continue
            }
            let context = try groups[names] ?? Self.makeContext(label: identity.label)
            groups[names] = context
            try Self.add(identity, to: context)
            for name in names where byName[name] == nil { byName[name] = context }
            served.append(identity)
        }
        self.identities = served
        self.skipped = skipped
        self.defaultContext = groups[first.names.map { $0.lowercased() }.sorted()]!
        self.contextsByName = byName
        mc_SSL_CTX_set_servername_callback(
            defaultContext.pointer, serverNameCallback, Unmanaged.passUnretained(self).toOpaque())
    }

    /// The context for the name a client asked for, if one serves it.
    func context(forServerName name: String) -> TLSContext? {
        let lowered = name.lowercased()
        if let exact = contextsByName[lowered] { return exact }
        guard let dot = lowered.firstIndex(of: ".") else { return nil }
        return contextsByName["*" + lowered[dot...]]
    }

    private static func makeContext(label: String) throws -> TLSContext {
        OpenSSLErrorQueue.clear()
        guard let method = TLS_server_method(), let pointer = SSL_CTX_new(method) else {
            throw CryptoError.openSSL(.tls, "cannot create an OpenSSL TLS server context")
        }
        let context = TLSContext(taking: pointer)
        // TLS 1.2 and 1.3 only; for 1.2 forward-secret AEAD suites only (1.3 suites are all of that kind).
        guard mc_SSL_CTX_set_min_proto_version(pointer, TLS1_2_VERSION) == 1,
            SSL_CTX_set_cipher_list(pointer, "ECDHE+AESGCM:ECDHE+CHACHA20") == 1
        else { throw CryptoError.openSSL(.tls, "cannot configure the TLS server context for \(label)") }
        mc_SSL_CTX_set_server_options(pointer)
        mc_SSL_CTX_release_buffers(pointer)
        return context
    }

    private static func add(_ identity: ServerIdentity, to context: TLSContext) throws {
        OpenSSLErrorQueue.clear()
        guard let intermediates = mc_sk_X509_new_null() else {
            throw CryptoError.openSSL(.tls, "\(identity.label): out of memory")
        }
        defer { mc_sk_X509_free(intermediates) }
        for certificate in identity.chain.dropFirst() { _ = mc_sk_X509_push(intermediates, certificate.pointer) }
        guard SSL_CTX_use_cert_and_key(context.pointer, identity.leaf.pointer, identity.key.pointer, intermediates, 0) == 1
        else {
            throw CryptoError.openSSL(.tls, "\(identity.label): OpenSSL refused the certificate and its key")
        }
    }
}

/// OpenSSL calls this during the ClientHello on the default context; `argument` is the `ServerTLSContext`, kept alive
/// by every session started from it.
private func serverNameCallback(
    ssl: OpaquePointer?, alert: UnsafeMutablePointer<Int32>?, argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let ssl, let argument, let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else {
        return SSL_TLSEXT_ERR_OK
    }
    let server = Unmanaged<ServerTLSContext>.fromOpaque(argument).takeUnretainedValue()
    if let context = server.context(forServerName: String(cString: name)), context !== server.defaultContext {
        _ = SSL_set_SSL_CTX(ssl, context.pointer)
    }
    return SSL_TLSEXT_ERR_OK
}
