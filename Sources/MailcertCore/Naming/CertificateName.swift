/// The name of a certificate lineage: a directory under `certs/`, so it must never climb out of it.
public enum CertificateName {
    /// Returns `input` if it is a safe name: 1–200 characters of letters, digits, `.`, `_`, `-`, `+`, `@`; no `/`,
    /// no `..`, no leading dot.
    public static func validate(_ input: String) throws -> String {
        func invalid(_ why: String) -> MailcertError {
            MailcertError(.invalidName, "invalid certificate name \"\(input)\": \(why)")
        }
        guard !input.isEmpty else { throw invalid("it is empty") }
        guard input.utf8.count <= 200 else { throw invalid("longer than 200 characters") }
        guard !input.contains("/") else { throw invalid("it contains \"/\"") }
        guard !input.contains("..") else { throw invalid("it contains \"..\"") }
        guard !input.hasPrefix(".") else { throw invalid("it begins with a dot") }
        let allowed = input.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-+@".unicodeScalars.contains(scalar))
        }
        guard allowed else { throw invalid("use only letters, digits and . _ - + @") }
        return input
    }

    /// The default name for a request: its first hostname, with a leading wildcard spelled `wildcard.`.
    public static func defaultName(forHostnames hostnames: [String]) -> String {
        let first = hostnames[0]
        return first.hasPrefix("*.") ? "wildcard." + first.dropFirst(2) : first
    }
}
