/// The verdict of one named check, with the reason in words an administrator can act on.
public struct CheckResult: Sendable, Equatable, Codable {
    /// A stable identifier scripts match on: "chain", "key", "serverAuth", "clientAuth", "names", "validity",
    /// "strength", "dane",
    /// "starttls", "protocol", "connect".
    public let check: String
    public let status: CheckStatus
    public let reason: String
    /// The validity check's days left before the first certificate sent expires (negative once past), for
    /// monitoring perfdata; nil on every other check.
    public var daysLeft: Int?

    public init(_ check: String, _ status: CheckStatus, _ reason: String) {
        self.check = check
        self.status = status
        self.reason = reason
    }
}
