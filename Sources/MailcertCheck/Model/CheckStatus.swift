/// A verdict in the monitoring-plugin convention, so `mailcert check` drops into Nagios, Icinga or a Prometheus
/// blackbox setup: the exit code is the worst verdict.
public enum CheckStatus: String, Sendable, Codable, CaseIterable {
    case ok = "OK"
    case warning = "WARNING"
    case critical = "CRITICAL"
    /// The check could not be made (no connection, timeout, garbage): nothing is known about the certificate.
    case unknown = "UNKNOWN"

    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    public var exitCode: Int32 {
        switch self {
        case .ok: 0
        case .warning: 1
        case .critical: 2
        case .unknown: 3
        }
    }

    /// Which verdict wins when several are combined: a known failure outranks not knowing, and not knowing
    /// outranks a warning (an unreachable MX matters more than one that expires in three weeks).
    var severity: Int {
        switch self {
        case .ok: 0
        case .warning: 1
        case .unknown: 2
        case .critical: 3
        }
    }

    /// The worst of `statuses`, OK for none.
    public static func worst<S: Sequence>(_ statuses: S) -> CheckStatus where S.Element == CheckStatus {
        statuses.max { $0.severity < $1.severity } ?? .ok
    }
}
