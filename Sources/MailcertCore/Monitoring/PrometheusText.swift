import Foundation

/// The Prometheus text exposition format (version 0.0.4), only as much of it as mailcert writes: gauges with labels,
/// integer values, no timestamps.
///
/// Label values escape backslash, double quote and newline; HELP text escapes backslash and newline. Certificate
/// names are validated elsewhere, but the file must stay parseable whatever a name holds: one bad line makes the
/// node exporter drop the whole file.
enum PrometheusText {
    struct Sample {
        var labels: [(name: String, value: String)]
        var value: Int64
    }

    struct Family {
        var name: String
        var help: String
        var samples: [Sample]
    }

    /// The families in order, each with its HELP and TYPE lines; a family without samples is left out.
    static func render(_ families: [Family]) -> String {
        var text = ""
        for family in families where !family.samples.isEmpty {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) gauge\n"
            for sample in family.samples {
                let labels = sample.labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }
                let labelSet = labels.isEmpty ? "" : "{\(labels.joined(separator: ","))}"
                text += "\(family.name)\(labelSet) \(sample.value)\n"
            }
        }
        return text
    }

    static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
