import Foundation
import MailcertCrypto

/// One complete version of a certificate in the store, read back from its directory.
public struct StoredVersion: Sendable {
    public let name: String
    public let number: Int
    public let directory: URL
    public let metadata: VersionMetadata

    public func url(_ file: VersionFile) -> URL { directory.appendingPathComponent(file.rawValue) }

    /// The leaf certificate (cert.pem).
    public func certificate() throws -> Certificate {
        let file = url(.certificate)
        do {
            guard let leaf = try Certificate.parseAll(try POSIXFile.read(file)).first else {
                throw CryptoError(.malformedCertificate, "no certificate")
            }
            return leaf
        } catch let error as CryptoError {
            throw error.inContext("certificate '\(name)' version \(number): \(file.path) is unreadable", code: .badInput)
        }
    }

    /// The issuing chain (chain.pem), leaf excluded; empty for a self-signed version.
    public func chain() throws -> [Certificate] {
        let file = url(.chain)
        let bytes = try POSIXFile.read(file)
        guard !bytes.isEmpty else { return [] }
        do { return try Certificate.parseAll(bytes) } catch let error as CryptoError {
            throw error.inContext("certificate '\(name)' version \(number): \(file.path) is unreadable", code: .badInput)
        }
    }

    /// The private key (key.pem).
    public func privateKey() throws -> PrivateKey {
        let file = url(.key)
        do { return try PrivateKey(pem: try POSIXFile.read(file)) } catch let error as CryptoError {
            throw error.inContext("certificate '\(name)' version \(number): \(file.path) is unreadable", code: .badInput)
        }
    }
}
