import MailcertCheck

/// The human form of check reports: a monitoring-plugin style first line, then one line per check.
public enum CheckReportText {
    public static func report(_ report: CheckReport) -> String {
        var lines = [headline(report.status, report.target, report.problems)]
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

    public static func walk(_ report: MXWalk.Report) -> String {
        var lines: [String] = []
        for note in report.notes { lines.append("\(note.status.rawValue): \(note.reason)") }
        for host in report.hosts {
            let preference = host.preference.map { "MX \($0) " } ?? ""
            let problems = host.report.problems.map { "\($0.check): \($0.reason)" }
            let summary = problems.isEmpty ? okSummary(host.report) : problems.joined(separator: "; ")
            lines.append(
                "\(host.report.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(preference)\(host.host) \(host.address ?? "-"): \(summary)")
        }
        let counts = CheckStatus.allCases.compactMap { status -> String? in
            let count = report.hosts.filter { $0.report.status == status }.count
            return count == 0 ? nil : "\(count) \(status.rawValue)"
        }
        let hosts = Set(report.hosts.map(\.host)).count
        lines.append(
            "\(report.status.rawValue): \(report.domain): \(hosts) MX host(s), \(report.hosts.count) address(es)"
                + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")))
        return lines.joined(separator: "\n")
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
