import MailcertCrypto

/// Does the certificate cover every hostname the service answers to (RFC 9525)?
enum NamesCheck {
    static func evaluate(_ subject: CertificateUnderCheck, policy: CheckPolicy) -> CheckResult {
        let leaf = subject.leaf
        let presented = (leaf.dnsNames + leaf.ipAddresses).map { sanitized($0) }
        let listed = presented.isEmpty ? "no subjectAltName names" : presented.joined(separator: ", ")
        guard !policy.hostnames.isEmpty else {
            return CheckResult("names", .ok, "not compared (no hostname given); the certificate names \(listed)")
        }
        var covered: [String] = []
        var missing: [String] = []
        for hostname in policy.hostnames {
            if let name = HostnameMatcher.coveringName(for: hostname, in: leaf) {
                covered.append(
                    name.lowercased() == hostname.lowercased() ? hostname : "\(hostname) (by \(sanitized(name)))")
            } else {
                missing.append(hostname)
            }
        }
        guard !missing.isEmpty else { return CheckResult("names", .ok, "covers " + covered.joined(separator: ", ")) }
        var reason = "does not cover \(missing.joined(separator: ", ")); the certificate names \(listed)"
        if let commonName = leaf.commonName, missing.contains(where: { $0.lowercased() == commonName.lowercased() }) {
            reason += " (\(sanitized(commonName)) is only the subject common name, which clients ignore under RFC 9525)"
        }
        return CheckResult("names", .critical, reason)
    }
}
