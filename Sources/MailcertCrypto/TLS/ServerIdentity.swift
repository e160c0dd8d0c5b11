import Foundation

/// A certificate chain and its key, loaded and checked, ready for a server to present.
public struct ServerIdentity: Sendable {
    /// Where it came from, for log lines ("mx1.example.com" or a file path).
    public let label: String
    /// Leaf first, then the intermediates in the order they are sent.
    public let chain: [Certificate]
    public let key: PrivateKey

    public var leaf: Certificate { chain[0] }

    /// Checks what a server needs before it may present the chain: at least one certificate, the leaf first (the one
    /// the key belongs to), and a name to answer SNI with. Dates are not checked: an expired certificate still beats
    /// no TLS for opportunistic SMTP, and `mailcert check` reports it.
    /// `origin` says where chain and key came from, for the error messages (default: the label).
    public init(label: String, chain: [Certificate], key: PrivateKey, origin: String? = nil) throws {
        let origin = origin ?? label
        guard let first = chain.first else {
            throw CryptoError(.malformedCertificate, "\(origin): the chain holds no certificate")
        }
        guard first.matches(key) else {
            throw CryptoError(.malformedKey, "\(origin): the key does not belong to the first certificate of the chain")
        }
        guard !first.dnsNames.isEmpty || first.commonName != nil else {
            throw CryptoError(.malformedCertificate, "\(origin): the certificate names no host")
        }
        self.label = label
        self.chain = chain
        self.key = key
    }

    /// Reads a PEM chain file (leaf first, as `fullchain.pem`) and a PEM key file.
    public static func load(label: String, chain chainFile: URL, key keyFile: URL) throws -> ServerIdentity {
        let chain: [Certificate]
        do {
            chain = try Certificate.parseAll(Array(try Data(contentsOf: chainFile)))
        } catch let error as CryptoError {
            throw CryptoError(error.code, "\(chainFile.path): \(error.message)", openSSLErrors: error.openSSLErrors)
        } catch {
            throw CryptoError(.malformedCertificate, "\(chainFile.path): cannot be read: \(error.localizedDescription)")
        }
        let key: PrivateKey
        do {
            key = try PrivateKey(pem: Array(try Data(contentsOf: keyFile)))
        } catch let error as CryptoError {
            throw CryptoError(error.code, "\(keyFile.path): \(error.message)", openSSLErrors: error.openSSLErrors)
        } catch {
            throw CryptoError(.malformedKey, "\(keyFile.path): cannot be read: \(error.localizedDescription)")
        }
        return try ServerIdentity(
            label: label, chain: chain, key: key, origin: "\(keyFile.path) with \(chainFile.path)")
    }

    /// The names SNI can select this identity by: the DNS subjectAltNames, else the CN.
    public var names: [String] {
        let dns = leaf.dnsNames
        return dns.isEmpty ? [leaf.commonName].compactMap { $0 } : dns
    }
}
