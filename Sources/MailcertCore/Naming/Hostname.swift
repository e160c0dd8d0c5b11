/// Hostnames a certificate may name, validated before any key is made.
///
/// A hostname is lower-cased LDH labels (letters, digits, hyphen; no hyphen at either end; 1–63 octets each,
/// 253 in all), internationalized names in their A-label (`xn--`) form, and at most one leading `*.` wildcard
/// covering at least two further labels. IP addresses are not hostnames.
public enum Hostname {
    /// The normalized hostname (lower case, no trailing dot), or an error that names the input and the rule it breaks.
    public static func validate(_ input: String) throws -> String {
        var name = input.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        func invalid(_ why: String) -> MailcertError {
            MailcertError(.invalidHostname, "invalid hostname \"\(input)\": \(why)")
        }
        guard !name.isEmpty else { throw invalid("it is empty") }
        guard name.unicodeScalars.allSatisfy(\.isASCII) else {
            throw invalid("write internationalized names in their A-label form (xn--...), e.g. as idn2 prints them")
        }
        guard name.utf8.count <= 253 else { throw invalid("longer than 253 characters") }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if labels.first == "*" {
            labels.removeFirst()
            guard labels.count >= 2 else { throw invalid("a wildcard must cover at least two more labels (*.example.com)") }
        }
        for label in labels {
            guard !label.isEmpty else { throw invalid("it has an empty label") }
            guard label.utf8.count <= 63 else { throw invalid("label \"\(label)\" is longer than 63 characters") }
            if label.contains("*") { throw invalid("a wildcard is allowed only as the whole left-most label (*.)") }
            guard label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw invalid("label \"\(label)\" may hold only letters, digits and hyphens")
            }
            guard !label.hasPrefix("-"), !label.hasSuffix("-") else {
                throw invalid("label \"\(label)\" begins or ends with a hyphen")
            }
        }
        if labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) || labels.last!.allSatisfy(\.isNumber) {
            throw invalid("IP addresses and all-numeric top-level labels are not hostnames")
        }
        return name
    }

    /// Validates every hostname and drops repeats, keeping the first occurrence's position.
    public static func validateAll(_ inputs: [String]) throws -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for input in inputs {
            let name = try validate(input)
            if seen.insert(name).inserted { result.append(name) }
        }
        guard !result.isEmpty else { throw MailcertError(.invalidHostname, "no hostname given (use -d HOST)") }
        return result
    }
}
