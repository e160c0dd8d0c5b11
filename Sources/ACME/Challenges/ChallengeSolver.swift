import MailcertCrypto

/// One challenge to make answerable: what a solver must publish, and where.
public struct ChallengeTask: Sendable, Hashable {
    /// The hostname being validated (without a wildcard's `*.`).
    public let hostname: String
    public let token: String
    /// `token.thumbprint` (RFC 8555 section 8.1): what http-01 serves.
    public let keyAuthorization: String

    public init(hostname: String, token: String, keyAuthorization: String) {
        self.hostname = hostname
        self.token = token
        self.keyAuthorization = keyAuthorization
    }

    /// http-01: the path the CA fetches (section 8.3).
    public var httpPath: String { "/.well-known/acme-challenge/\(token)" }

    /// dns-01: the TXT record name (section 8.4).
    public var dnsRecordName: String { "_acme-challenge.\(hostname)" }

    /// dns-01: base64url(SHA-256(key authorization)).
    public var dnsValue: String { Base64URL.encode(Digest.sha256.hash(Array(keyAuthorization.utf8))) }
}

/// Publishes and withdraws challenge answers. `cleanUp` must undo `present` even after a failure, and the order
/// flow always calls it; `prepare`/`finish` bracket one order (e.g. bind and close the standalone responder).
public protocol ChallengeSolver: Sendable {
    /// "http-01" or "dns-01".
    var challengeType: String { get }
    func prepare() async throws
    func present(_ task: ChallengeTask) async throws
    func cleanUp(_ task: ChallengeTask) async
    func finish() async
}

extension ChallengeSolver {
    public func prepare() async throws {}
    public func finish() async {}
}
