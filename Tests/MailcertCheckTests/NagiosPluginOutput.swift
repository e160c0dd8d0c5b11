/// Plugin output as Nagios and Icinga read it (Nagios Plugin API): the first line only, `STATUS: text`, then
/// optionally ` | ` and space-separated perfdata `label=value[UOM];warn;crit;min;max`. Deliberately strict: what
/// this cannot parse, a monitoring server would show garbled.
struct NagiosPluginOutput {
    struct Perfdata: Equatable {
        var label: String
        var value: Int
        var warn: String
        var crit: String
    }

    var status: String
    var text: String
    var perfdata: [Perfdata]

    init?(_ output: String) {
        guard let first = output.split(separator: "\n", omittingEmptySubsequences: false).first else { return nil }
        let halves = first.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let head = halves[0].trimmingCharacters(in: .whitespaces)
        guard let colon = head.firstIndex(of: ":") else { return nil }
        status = String(head[..<colon])
        guard ["OK", "WARNING", "CRITICAL", "UNKNOWN"].contains(status) else { return nil }
        text = head[head.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        perfdata = []
        guard halves.count == 2 else { return }
        for token in halves[1].split(separator: " ") {
            let pair = token.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, !pair[0].contains("'") else { return nil }
            let fields = pair[1].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, let value = Int(fields[0]) else { return nil }
            perfdata.append(Perfdata(label: String(pair[0]), value: value, warn: fields[1], crit: fields[2]))
        }
    }

    func value(_ label: String) -> Int? { perfdata.first { $0.label == label }?.value }
}
