/// The one error type of the ACME target. A CA's problem document travels whole in `problem`.
public struct ACMEError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let transport = Code("transport")
        public static let untrustedServer = Code("untrustedServer")
        public static let oversizedResponse = Code("oversizedResponse")
        public static let malformedResponse = Code("malformedResponse")
        public static let problem = Code("problem")
        public static let validationFailed = Code("validationFailed")
        public static let timedOut = Code("timedOut")
        public static let challengeUnavailable = Code("challengeUnavailable")
        public static let solver = Code("solver")
        public static let crypto = Code("crypto")
        /// A profile the CA's directory does not offer (draft-ietf-acme-profiles).
        public static let unknownProfile = Code("unknownProfile")
    }

    public let code: Code
    public let message: String
    public let problem: Problem?

    public init(_ code: Code, _ message: String, problem: Problem? = nil) {
        self.code = code
        self.message = message
        self.problem = problem
    }

    public var description: String { message }

    public static func == (lhs: ACMEError, rhs: ACMEError) -> Bool { lhs.code == rhs.code }
}
