/// Everything one check run found about one certificate, local or served by one host.
public struct CheckReport: Sendable, Codable {
    /// What was checked: "certificate mx1", "/etc/ssl/mx.pem", "127.0.0.1:2525".
    public let target: String
    /// The hostnames the names check compared against.
    public let hostnames: [String]
    public let results: [CheckResult]
    /// What the server served; nil for a local check or when no handshake happened.
    public let served: ServedTLS?

    public init(target: String, hostnames: [String], results: [CheckResult], served: ServedTLS? = nil) {
        self.target = target
        self.hostnames = hostnames
        self.results = results
        self.served = served
    }

    public var status: CheckStatus { CheckStatus.worst(results.map(\.status)) }

    /// Days left before the first certificate checked expires; nil when no certificate was reached.
    public var daysLeft: Int? { results.lazy.compactMap(\.daysLeft).first }

    /// The results that are not OK, worst first: what a one-line summary names.
    public var problems: [CheckResult] {
        results.filter { $0.status != .ok }.sorted { $0.status.severity > $1.status.severity }
    }
}

/// What a remote server really served after the TLS handshake.
public struct ServedTLS: Sendable, Codable, Equatable {
    /// "smtp", "imap", "pop3" for STARTTLS; "none" for implicit TLS.
    public let starttls: String
    public let protocolVersion: String
    public let cipher: String
    /// The served certificates, leaf first, as the server sent them.
    public let chain: [ServedCertificate]
}

/// One served certificate, as `list` shows stored ones.
public struct ServedCertificate: Sendable, Codable, Equatable {
    public let subject: String
    public let issuer: String
    public let sha256: String
    public let notAfter: String
}
