import MailcertCrypto

/// The one error type of MailcertCore.
///
/// Messages follow Postfix: they name the object, the file, and what mailcert does next ("nothing was changed").
/// `code` is for callers and tests; two errors are equal when their codes are.
public struct MailcertError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let invalidHostname = Code("invalidHostname")
        public static let invalidName = Code("invalidName")
        public static let stateDirectory = Code("stateDirectory")
        public static let locked = Code("locked")
        public static let notFound = Code("notFound")
        public static let noPendingKey = Code("noPendingKey")
        public static let pendingExists = Code("pendingExists")
        public static let keyMismatch = Code("keyMismatch")
        public static let wouldReplaceCASigned = Code("wouldReplaceCASigned")
        public static let badInput = Code("badInput")
        public static let nextKeyConflict = Code("nextKeyConflict")
        public static let wrongPassword = Code("wrongPassword")
        public static let outputExists = Code("outputExists")
        public static let io = Code("io")
        public static let crypto = Code("crypto")
        public static let acme = Code("acme")
        public static let deployFailed = Code("deployFailed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: MailcertError, rhs: MailcertError) -> Bool { lhs.code == rhs.code }
}

extension MailcertError {
    /// Adds what failed and the consequence to an error on its way up: "CONTEXT: reason".
    public static func wrapping(_ error: Error, _ context: String) -> MailcertError {
        switch error {
        case let error as CryptoError: return error.inContext(context)
        case let error as MailcertError: return MailcertError(error.code, "\(context): \(error.message)")
        default: return MailcertError(.io, "\(context): \(error)")
        }
    }
}

extension CryptoError {
    /// Wraps a crypto failure with the object and file it concerns and the consequence.
    func inContext(_ context: String, code: MailcertError.Code = .crypto) -> MailcertError {
        MailcertError(code, "\(context): \(self)")
    }
}
