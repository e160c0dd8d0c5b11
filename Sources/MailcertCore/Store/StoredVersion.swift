import Foundation
import MailcertCrypto

/// One complete version of a certificate as the store holds it: its metadata and its PEM bytes, read in one go so a
/// caller never mixes the files of two versions.
public struct StoredVersion: Sendable {
    public let name: String
    public let number: Int
    public let metadata: VersionMetadata
    public let keyPEM: [UInt8]
    public let certificatePEM: [UInt8]
    /// The issuing chain, leaf excluded; empty for a self-signed version.
    public let chainPEM: [UInt8]
    /// Where it lives, for messages (the file store: the version's directory).
    public let location: String

    public init(
        name: String, number: Int, metadata: VersionMetadata, keyPEM: [UInt8], certificatePEM: [UInt8],
        chainPEM: [UInt8], location: String
    ) {
        self.name = name
        self.number = number
        self.metadata = metadata
        self.keyPEM = keyPEM
        self.certificatePEM = certificatePEM
        self.chainPEM = chainPEM
        self.location = location
    }

    /// Leaf followed by the chain, as fullchain.pem holds it.
    public var fullchainPEM: [UInt8] { certificatePEM + chainPEM }

    /// The leaf certificate.
    public func certificate() throws -> Certificate {
        do {
            guard let leaf = try Certificate.parseAll(certificatePEM).first else {
                throw CryptoError(.malformedCertificate, "no certificate")
            }
            return leaf
        } catch let error as CryptoError {
            throw error.inContext(unreadable(.certificate), code: .badInput)
        }
    }

    /// The issuing chain, leaf excluded.
    public func chain() throws -> [Certificate] {
        guard !chainPEM.isEmpty else { return [] }
        do { return try Certificate.parseAll(chainPEM) } catch let error as CryptoError {
            throw error.inContext(unreadable(.chain), code: .badInput)
        }
    }

    /// The private key.
    public func privateKey() throws -> PrivateKey {
        do { return try PrivateKey(pem: keyPEM) } catch let error as CryptoError {
            throw error.inContext(unreadable(.key), code: .badInput)
        }
    }

    private func unreadable(_ file: VersionFile) -> String {
        "certificate '\(name)' version \(number): \(location)/\(file.rawValue) is unreadable"
    }
}
