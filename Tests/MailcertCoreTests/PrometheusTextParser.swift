/// A strict reader of the Prometheus text exposition format (0.0.4), stricter than the node exporter: anything it
/// would accept but that mailcert never means to write (blank lines, a trailing comma in labels, a sample without a
/// TYPE, a family split in two) is an error here too.
struct ParsedMetrics {
    struct Series: Hashable, CustomStringConvertible {
        var name: String
        var labels: [String: String]
        var description: String { "\(name)\(labels.sorted { $0.key < $1.key })" }
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    var help: [String: String] = [:]
    var types: [String: String] = [:]
    var samples: [Series: Double] = [:]
    /// Family names in the order they appear.
    var families: [String] = []

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples[Series(name: name, labels: labels)]
    }

    /// The series of one metric name.
    func series(_ name: String) -> [Series: Double] { samples.filter { $0.key.name == name } }

    static func parse(_ text: String) throws -> ParsedMetrics {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Failure(line: 0, reason: "no final newline") }
        var result = ParsedMetrics()
        var finished: Set<String> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            do { try result.take(Substring(line), finished: &finished) } catch let failure as Failure {
                throw Failure(line: number, reason: failure.reason)
            }
        }
        return result
    }

    private mutating func take(_ line: Substring, finished: inout Set<String>) throws {
        guard !line.isEmpty else { throw Failure(line: 0, reason: "blank line") }
        if line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else {
                throw Failure(line: 0, reason: "comment that is neither HELP nor TYPE: \(line)")
            }
            let name = String(parts[2])
            try Self.checkMetricName(name)
            try enter(name, finished: &finished)
            guard series(name).isEmpty else { throw Failure(line: 0, reason: "\(parts[1]) after samples of \(name)") }
            let rest = parts.count == 4 ? String(parts[3]) : ""
            if parts[1] == "HELP" {
                guard help[name] == nil else { throw Failure(line: 0, reason: "second HELP for \(name)") }
                help[name] = try Self.unescape(rest, allowQuote: false)
            } else {
                guard types[name] == nil else { throw Failure(line: 0, reason: "second TYPE for \(name)") }
                guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                    throw Failure(line: 0, reason: "unknown type '\(rest)'")
                }
                types[name] = rest
            }
            return
        }
        let (sample, value) = try Self.sample(Array(line.unicodeScalars))
        try enter(sample.name, finished: &finished)
        guard types[sample.name] != nil else { throw Failure(line: 0, reason: "\(sample.name) has no TYPE line") }
        guard samples[sample] == nil else { throw Failure(line: 0, reason: "duplicate series \(sample)") }
        samples[sample] = value
    }

    /// Families must be contiguous: returning to one after another began is an error.
    private mutating func enter(_ name: String, finished: inout Set<String>) throws {
        if families.last == name { return }
        guard !finished.contains(name) else { throw Failure(line: 0, reason: "family \(name) split in two") }
        if let last = families.last { finished.insert(last) }
        families.append(name)
    }

    private static func sample(_ scalars: [Unicode.Scalar]) throws -> (Series, Double) {
        var index = 0
        func take(while predicate: (Unicode.Scalar) -> Bool) -> String {
            var text = ""
            while index < scalars.count, predicate(scalars[index]) {
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
            return text
        }
        let name = take(while: isNameCharacter)
        try checkMetricName(name)
        var labels: [String: String] = [:]
        if index < scalars.count, scalars[index] == "{" {
            index += 1
            while true {
                let label = take { isNameCharacter($0) && $0 != ":" }
                guard let first = label.unicodeScalars.first, !("0"..."9").contains(first) else {
                    throw Failure(line: 0, reason: "bad label name '\(label)'")
                }
                guard index + 1 < scalars.count, scalars[index] == "=", scalars[index + 1] == "\"" else {
                    throw Failure(line: 0, reason: "label \(label) is not followed by =\"")
                }
                index += 2
                var raw = ""
                while index < scalars.count, scalars[index] != "\"" {
                    if scalars[index] == "\\", index + 1 < scalars.count {
                        raw.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                    raw.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count else { throw Failure(line: 0, reason: "unterminated value of \(label)") }
                index += 1
                guard labels[label] == nil else { throw Failure(line: 0, reason: "label \(label) twice") }
                labels[label] = try unescape(raw, allowQuote: true)
                guard index < scalars.count else { throw Failure(line: 0, reason: "unterminated label set") }
                if scalars[index] == "}" {
                    index += 1
                    break
                }
                guard scalars[index] == ",", index + 1 < scalars.count, scalars[index + 1] != "}" else {
                    throw Failure(line: 0, reason: "labels must be separated by one comma, with none trailing")
                }
                index += 1
            }
        }
        guard index < scalars.count, scalars[index] == " " else {
            throw Failure(line: 0, reason: "no space before the value")
        }
        index += 1
        let fields = take { _ in true }.split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = parseValue(String(fields[0])) else {
            throw Failure(line: 0, reason: "bad value '\(fields.joined(separator: " "))'")
        }
        if fields.count == 2, Int64(fields[1]) == nil { throw Failure(line: 0, reason: "bad timestamp '\(fields[1])'") }
        return (Series(name: name, labels: labels), value)
    }

    private static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return text.allSatisfy { "0123456789.-+eE".contains($0) } ? Double(text) : nil
        }
    }

    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
            || scalar == ":"
    }

    private static func checkMetricName(_ name: String) throws {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first),
            name.unicodeScalars.allSatisfy(isNameCharacter)
        else { throw Failure(line: 0, reason: "bad metric name '\(name)'") }
    }

    /// Undoes `\\`, `\n` and (in label values) `\"`; any other escape, or a bare quote in a value, is an error.
    private static func unescape(_ text: String, allowQuote: Bool) throws -> String {
        var result = ""
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\\" else {
                if scalar == "\"" && allowQuote { throw Failure(line: 0, reason: "unescaped quote") }
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalars.next() {
            case "\\": result += "\\"
            case "n": result += "\n"
            case "\"" where allowQuote: result += "\""
            case let other: throw Failure(line: 0, reason: "bad escape \\\(other.map(String.init) ?? "")")
            }
        }
        return result
    }
}
