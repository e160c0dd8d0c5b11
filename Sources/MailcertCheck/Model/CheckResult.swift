/// The verdict of one named check, with the reason in words an administrator can act on.
public struct CheckResult: Sendable, Equatable, Codable {
    /// A stable identifier scripts match on: "chain", "key", "serverAuth", "names", "validity", "strength", "dane",
    /// "starttls", "protocol", "connect".
    public let check: String
    public let status: CheckStatus
    public let reason: String

    public init(_ check: String, _ status: CheckStatus, _ reason: String) {
        self.check = check
        self.status = status
        self.reason = reason
    }
}
