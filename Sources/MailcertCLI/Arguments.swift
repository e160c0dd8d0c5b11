import ArgumentParser
import Foundation
import MailcertCore
import MailcertCrypto

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

/// "host", "host:port", "[v6]", "[v6]:port", and a bare IPv6 literal.
enum HostPort {
    static func parse(_ input: String, defaultPort: Int) throws -> (host: String, port: Int) {
        var host = input
        var port = defaultPort
        if input.hasPrefix("[") {
            guard let close = input.firstIndex(of: "]") else { throw ValidationError("\(input): missing ']'") }
            host = String(input[input.index(after: input.startIndex)..<close])
            let rest = input[input.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else {
                    throw ValidationError("\(input): expected [ADDRESS]:PORT")
                }
                port = number
            }
        } else if input.filter({ $0 == ":" }).count == 1, let colon = input.firstIndex(of: ":") {
            host = String(input[..<colon])
            guard let number = Int(input[input.index(after: colon)...]) else {
                throw ValidationError("\(input): the port must be a number")
            }
            port = number
        }
        guard !host.isEmpty else { throw ValidationError("\(input): no host") }
        guard (1...65535).contains(port) else { throw ValidationError("\(input): the port must be between 1 and 65535") }
        return (host, port)
    }
}

/// This machine's name as gethostname(2) gives it: the default EHLO name (no DNS lookup, unlike ProcessInfo).
enum LocalHostName {
    static var value: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
