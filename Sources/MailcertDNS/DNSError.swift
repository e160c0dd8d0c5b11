/// The one error type of MailcertDNS.
///
/// `code` says what kind of failure it was (callers and tests match on it); `message` names the query name, the
/// record type and the resolver, so an administrator can repeat the lookup by hand. Two errors are equal when their
/// codes are.
public struct DNSError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No answer before the deadline, on any attempt.
        public static let timeout = Code("timeout")
        /// The resolver cannot be reached: connection refused, no route, a socket call failed.
        public static let unreachable = Code("unreachable")
        /// RCODE 3: the name does not exist.
        public static let nxdomain = Code("nxdomain")
        /// RCODE 2 (or another failure RCODE): the resolver could not produce an answer.
        public static let serverFailure = Code("serverFailure")
        /// RCODE 5: the resolver will not answer this client or this question.
        public static let refused = Code("refused")
        /// The answer does not parse, or does not belong to the question.
        public static let malformedAnswer = Code("malformedAnswer")
        /// A resolver address that is not IP[:PORT].
        public static let badAddress = Code("badAddress")
        /// A name that cannot be sent as a DNS query.
        public static let badName = Code("badName")
        /// resolv.conf is missing or names no usable resolver.
        public static let noResolver = Code("noResolver")
        /// A TLSA record in presentation form that does not parse.
        public static let badRecord = Code("badRecord")
        /// A TSIG key file that cannot be read, does not parse, or names an unsupported algorithm.
        public static let badKeyFile = Code("badKeyFile")
        /// The TSIG exchange failed: BADKEY, BADSIG, BADTIME from the server, or an answer whose MAC is wrong.
        public static let tsig = Code("tsig")
        /// RCODE 9 without a TSIG error: the server is not authoritative for the zone of the update.
        public static let notAuthoritative = Code("notAuthoritative")
        /// The server rejected an update: a failed prerequisite, a record outside the zone, or another RCODE.
        public static let updateRejected = Code("updateRejected")
        /// No server answered an SOA for the name or any parent: no zone to update.
        public static let noZone = Code("noZone")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: DNSError, rhs: DNSError) -> Bool { lhs.code == rhs.code }
}
