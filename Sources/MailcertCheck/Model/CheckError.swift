/// The one error type of MailcertCheck: why a remote check could not look at a certificate.
///
/// `status` is the verdict the failure means for monitoring: not reaching or not understanding a server is UNKNOWN
/// (nothing is known about its certificate); a server that will not do TLS at all is CRITICAL.
public struct CheckError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let badTarget = Code("badTarget")
        public static let connect = Code("connect")
        public static let timeout = Code("timeout")
        public static let closed = Code("closed")
        public static let protocolViolation = Code("protocolViolation")
        public static let rejected = Code("rejected")
        public static let starttlsNotOffered = Code("starttlsNotOffered")
        public static let starttlsRefused = Code("starttlsRefused")
        public static let handshake = Code("handshake")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var status: CheckStatus {
        switch code {
        case .starttlsNotOffered, .starttlsRefused, .handshake: .critical
        default: .unknown
        }
    }

    /// The check a failure is reported under.
    public var check: String {
        switch code {
        case .starttlsNotOffered, .starttlsRefused: "starttls"
        case .handshake: "tls"
        default: "connect"
        }
    }

    public var description: String { message }

    public static func == (lhs: CheckError, rhs: CheckError) -> Bool { lhs.code == rhs.code }
}
