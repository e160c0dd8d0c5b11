import ArgumentParser
import Foundation
import MailcertCore
import MailcertCrypto
import MailcertSystem

extension KeyType: ExpressibleByArgument {}

/// Validation shared by commands, turning core errors into usage errors (exit 64) that name the bad value.
enum Arguments {
    static func hostnames(_ inputs: [String]) throws -> [String] {
        do { return try Hostname.validateAll(inputs) } catch let error as MailcertError {
            throw ValidationError(error.message)
        }
    }

    static func certificateName(_ input: String) throws -> String {
        do { return try CertificateName.validate(input) } catch let error as MailcertError {
            throw ValidationError(error.message)
        }
    }

    /// "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 literal; a bad one is a usage error naming it.
    static func endpoint(_ input: String, defaultPort: Int) throws -> Endpoint {
        do { return try Endpoint.parse(input, defaultPort: defaultPort) } catch {
            throw ValidationError(error.description)
        }
    }

    /// The first line of a password file, as `openssl -passin file:` reads it.
    static func password(fromFile path: String?) throws -> String? {
        guard let path else { return nil }
        let bytes = try UserFile.read(URL(fileURLWithPath: path), purpose: "cannot read the password")
        let text = String(decoding: bytes, as: UTF8.self)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }
}
extension ACMEOptions.Challenge: ExpressibleByArgument {}

/// The tuple form of `Arguments.endpoint`, for callers not yet moved to `Endpoint`.
enum HostPort {
    static func parse(_ input: String, defaultPort: Int) throws -> (host: String, port: Int) {
        let endpoint = try Arguments.endpoint(input, defaultPort: defaultPort)
        return (endpoint.host, endpoint.port)
    }
}
