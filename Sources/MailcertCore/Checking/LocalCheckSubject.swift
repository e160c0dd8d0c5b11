import Foundation
import MailcertCheck
import MailcertCrypto

/// Loads what a local `mailcert check` looks at: a stored certificate, or files given on the command line.
public enum LocalCheckSubject {
    /// The version of `name` in service, with its chain and key.
    public static func stored(name: String, store: any StoreReader) throws -> CertificateUnderCheck {
        _ = try CertificateName.validate(name)
        guard let version = try store.currentVersion(of: name) else {
            throw MailcertError(
                .notFound,
                "certificate '\(name)' has no version in service in \(store.location(of: .certificate(name))); "
                    + "'mailcert list' shows the names there are")
        }
        return try of(version)
    }

    /// One stored version, with its chain and key.
    public static func of(_ version: StoredVersion) throws -> CertificateUnderCheck {
        CertificateUnderCheck(
            leaf: try version.certificate(), intermediates: try version.chain(), key: try version.privateKey())
    }

    /// A certificate file (its first certificate is the leaf, the rest its chain, as in a fullchain.pem), an
    /// optional separate chain file, and an optional key file.
    public static func files(certificate: URL, chain: URL?, key: URL?) throws -> CertificateUnderCheck {
        let certificates = try parse(certificate, what: "certificate file")
        let extra = try chain.map { try parse($0, what: "chain file") } ?? []
        var privateKey: PrivateKey?
        if let key {
            do { privateKey = try PrivateKey(pem: try POSIXFile.read(key)) } catch let error as CryptoError {
                throw error.inContext("the key file \(key.path) is not a private key OpenSSL can read", code: .badInput)
            }
        }
        return CertificateUnderCheck(
            leaf: certificates[0], intermediates: Array(certificates.dropFirst()) + extra, key: privateKey)
    }

    /// The system roots plus every certificate of `caBundle`.
    public static func trust(caBundle: URL?) throws -> TrustStore {
        let extra = try caBundle.map { try parse($0, what: "CA bundle") } ?? []
        do { return try TrustStore(systemRoots: true, additional: extra) } catch let error as CryptoError {
            throw error.inContext("cannot build the trust store", code: .badInput)
        }
    }

    private static func parse(_ file: URL, what: String) throws -> [Certificate] {
        do {
            let certificates = try Certificate.parseAll(try POSIXFile.read(file))
            guard !certificates.isEmpty else { throw CryptoError(.malformedCertificate, "no certificate") }
            return certificates
        } catch let error as CryptoError {
            throw error.inContext("the \(what) \(file.path) holds no readable certificate", code: .badInput)
        }
    }
}
