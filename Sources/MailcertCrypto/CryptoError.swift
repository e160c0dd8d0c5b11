import COpenSSL

/// The one error type of MailcertCrypto.
///
/// `code` says what kind of failure it was (tests and callers match on it); `message` says what failed in words an
/// administrator can act on; `openSSLErrors` is the drained OpenSSL error queue, so the library's own reason is never
/// lost. Two errors are equal when their codes are.
public struct CryptoError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let keyGeneration = Code("keyGeneration")
        public static let malformedKey = Code("malformedKey")
        public static let malformedCertificate = Code("malformedCertificate")
        public static let malformedPEM = Code("malformedPEM")
        public static let unknownFormat = Code("unknownFormat")
        public static let signing = Code("signing")
        public static let pkcs12 = Code("pkcs12")
        public static let pkcs12Password = Code("pkcs12Password")
        public static let unsupportedKey = Code("unsupportedKey")
        public static let encoding = Code("encoding")
        public static let verification = Code("verification")
        public static let tls = Code("tls")
    }

    public let code: Code
    public let message: String
    public let openSSLErrors: [String]

    public init(_ code: Code, _ message: String, openSSLErrors: [String] = []) {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    /// Builds an error and drains the OpenSSL error queue into it, so a later call never reports a stale reason.
    static func openSSL(_ code: Code, _ message: String) -> CryptoError {
        CryptoError(code, message, openSSLErrors: OpenSSLErrorQueue.drain())
    }

    public var description: String {
        openSSLErrors.isEmpty ? message : "\(message) (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
    }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
}

/// The calling thread's OpenSSL error queue.
enum OpenSSLErrorQueue {
    /// Removes every queued error and returns their reason strings, oldest first.
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons
    }

    /// Forgets queued errors before an operation whose failure we want to report on its own.
    static func clear() { ERR_clear_error() }
}
