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
}

extension ACMEOptions.Challenge: ExpressibleByArgument {}
