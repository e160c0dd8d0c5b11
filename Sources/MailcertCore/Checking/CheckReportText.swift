import MailcertCheck

/// The human form of check reports, as a monitoring plugin prints it: Nagios and Icinga read only the first line,
/// `STATUS: summary | perfdata`, so it carries the overall verdict; the details follow, one line each.
///
/// Perfdata is `days_left=N;W:;C:` (days before the first certificate sent expires; `W:` is the plugin range
/// syntax for "alert below W", so graphs and thresholds agree with the verdict). For `--domain` the first value is
/// the minimum over every address reached, then one `days_left_<host>_<address>` per address.
public struct CheckReportText: Sendable {
    /// --warn-days and --crit-days: the thresholds perfdata carries.
    public var warningDays: Int
    public var criticalDays: Int

    public init(warningDays: Int, criticalDays: Int) {
        self.warningDays = warningDays
        self.criticalDays = criticalDays
    }

    public func report(_ report: CheckReport) -> String {
        let headline = Self.headline(report.status, report.target, report.problems)
        var lines = [withPerfdata(headline, report.daysLeft.map { [("days_left", $0)] } ?? [])]
        if let served = report.served {
            lines.append("  served: \(served.protocolVersion), \(served.cipher), \(served.chain.count) certificate(s)")
            for (index, certificate) in served.chain.enumerated() {
                lines.append(
                    "    \(index): \(certificate.subject)  [sha256 \(certificate.sha256.prefix(16))…, "
                        + "not after \(certificate.notAfter)]")
            }
        }
        let width = report.results.map(\.check.count).max() ?? 0
        for result in report.results {
            lines.append(
                "  " + result.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                    + result.check.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + result.reason)
        }
        return lines.joined(separator: "\n")
    }

    public func walk(_ report: MXWalk.Report) -> String {
        let counts = CheckStatus.allCases.compactMap { status -> String? in
            let count = report.hosts.filter { $0.report.status == status }.count
            return count == 0 ? nil : "\(count) \(status.rawValue)"
        }
        let hosts = Set(report.hosts.map(\.host)).count
        // With no host to count (NXDOMAIN, a null MX), the domain's own finding is the summary.
        let worstNote = report.notes.first { $0.status == CheckStatus.worst(report.notes.map(\.status)) }
        let summary =
            "\(report.status.rawValue): \(report.domain): "
            + (report.hosts.isEmpty && worstNote != nil
                ? worstNote?.reason ?? ""
                : "\(hosts) MX host(s), \(report.hosts.count) address(es)"
                    + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")))
        let each = report.hosts.compactMap { host in
            host.report.daysLeft.map { ("days_left_\(host.host)_\(host.address ?? "-")", $0) }
        }
        let minimum = each.map(\.1).min().map { [("days_left", $0)] } ?? []
        var lines = [withPerfdata(summary, minimum + each)]
        for note in report.notes { lines.append("\(note.status.rawValue): \(note.reason)") }
        for host in report.hosts {
            let preference = host.preference.map { "MX \($0) " } ?? ""
            let problems = host.report.problems.map { "\($0.check): \($0.reason)" }
            let summary = problems.isEmpty ? Self.okSummary(host.report) : problems.joined(separator: "; ")
            lines.append(
                "\(host.report.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(preference)\(host.host) \(host.address ?? "-"): \(summary)")
        }
        return lines.joined(separator: "\n")
    }

    /// `text | label=value;W:;C: ...`; a `|` inside the text would end it early for the plugin runner, so it
    /// becomes `/`. Labels never hold `=` or `'` (host names and addresses cannot).
    private func withPerfdata(_ text: String, _ values: [(label: String, days: Int)]) -> String {
        let text = text.replacingOccurrences(of: "|", with: "/")
        guard !values.isEmpty else { return text }
        let data = values.map { "\($0.label)=\($0.days);\(warningDays):;\(criticalDays):" }
        return text + " | " + data.joined(separator: " ")
    }

    private static func headline(_ status: CheckStatus, _ target: String, _ problems: [CheckResult]) -> String {
        guard let worst = problems.first else { return "\(status.rawValue): \(target)" }
        return "\(status.rawValue): \(target): \(worst.check): \(worst.reason)"
    }

    private static func okSummary(_ report: CheckReport) -> String {
        let validity = report.results.first { $0.check == "validity" }?.reason ?? ""
        let proto = report.served.map { "\($0.protocolVersion), " } ?? ""
        return proto + validity
    }
}
