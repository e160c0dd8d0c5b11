import MailcertCrypto

/// Hostname verification as RFC 9525 defines it for TLS: only subjectAltName counts (dNSName for DNS names,
/// iPAddress for IP literals; never the subject common name), and a wildcard is allowed only as the whole
/// left-most label, matching exactly one label.
public enum HostnameMatcher {
    /// The presented identifier that covers `hostname`, or nil when none does.
    public static func coveringName(for hostname: String, in certificate: Certificate) -> String? {
        if let octets = IPAddressText.parse(hostname) {
            return certificate.ipAddresses.first { IPAddressText.parse($0) == octets }
        }
        return certificate.dnsNames.first { matches(pattern: $0, hostname: hostname) }
    }

    /// True when the dNSName `pattern` covers `hostname`; comparison is ASCII case-insensitive and ignores one
    /// trailing dot on either side.
    public static func matches(pattern: String, hostname: String) -> Bool {
        let host = normalized(hostname)
        let presented = normalized(pattern)
        guard !host.isEmpty, !presented.isEmpty, !host.contains("*") else { return false }
        guard presented.contains("*") else { return presented == host }
        // "*.example.com": the star is the entire first label and appears nowhere else; the rest has two labels
        // or more, so "*.com" covers nothing.
        guard presented.hasPrefix("*."), presented.dropFirst(2).contains("."),
            !presented.dropFirst(2).contains("*")
        else { return false }
        guard let dot = host.firstIndex(of: "."), dot != host.startIndex else { return false }
        return host[host.index(after: dot)...] == presented.dropFirst(2)
    }

    /// ASCII letters folded to lower case, one trailing dot dropped; empty (matching nothing) for a name with any
    /// non-ASCII character, since Unicode case folding would let "\u{212A}" pass for "k". IDNs compare as A-labels.
    private static func normalized(_ name: String) -> String {
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else { return "" }
        let lower = String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
}
