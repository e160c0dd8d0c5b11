import MailcertCrypto
import MailcertDNS

/// Does a TLSA record authenticate the served chain, as an SMTP client following RFC 7672 would decide?
///
/// - DANE-EE(3) matches the leaf; names and validity dates are ignored (RFC 7672 section 3.1.1).
/// - DANE-TA(2) matches a certificate the server sent above the leaf; the leaf must chain to it, be valid now and
///   cover the hostname (section 3.1.2).
/// - PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (section 3.1.3) and never match.
enum DANECheck {
    /// The verdict, and the usage of the record that authenticated the chain (nil when none did).
    static func evaluate(_ subject: CertificateUnderCheck, policy: CheckPolicy) -> (CheckResult, UInt8?) {
        let usable = usable(policy.tlsa)
        guard !usable.isEmpty else {
            let result = CheckResult(
                "dane", .warning,
                "no usable TLSA record (SMTP uses only usages 2 and 3, RFC 7672 section 3.1.3, with selector 0 or 1 "
                    + "and matching type 0, 1 or 2 of the right length); DANE senders fall back to unauthenticated TLS")
            return (result, nil)
        }
        var notes: [String] = []
        for record in usable where record.usage == 3 {
            if TLSAMatcher.matches(record, subject.leaf) {
                let reason = "TLSA \(record.shortText) matches the leaf (DANE-EE: names and dates not checked)"
                return (CheckResult("dane", .ok, reason), 3)
            }
        }
        for record in usable where record.usage == 2 {
            for (depth, anchor) in subject.chain.enumerated().dropFirst() where TLSAMatcher.matches(record, anchor) {
                if let problem = taProblem(subject, anchor: anchor, depth: depth, policy: policy) {
                    notes.append("TLSA \(record.shortText) matches \(anchor.displayName) but \(problem)")
                } else {
                    let reason = "TLSA \(record.shortText) matches trust anchor \(anchor.displayName)"
                    return (CheckResult("dane", .ok, reason), 2)
                }
            }
        }
        let leafKey = (try? subject.leaf.publicKeyDER()).map { Hex.encode(Digest.sha256.hash($0)) } ?? "?"
        let reason =
            (notes.isEmpty ? "no TLSA record matches the served chain" : notes.joined(separator: "; "))
            + " (the leaf's 3 1 1 data would be \(leafKey))"
        if policy.tlsaUnauthenticated {
            let unvalidated = "; the records are not DNSSEC-validated, so senders ignore them"
            return (CheckResult("dane", .warning, reason + unvalidated), nil)
        }
        return (CheckResult("dane", .critical, reason + "; DANE senders will not deliver"), nil)
    }

    /// The records a DANE sender would use: usage 2 or 3, selector 0 or 1, matching type 0, 1 (32 bytes) or
    /// 2 (64 bytes); and where one usage and selector has records of several digests, only the strongest digest's
    /// (RFC 7671 section 9, digest algorithm agility).
    static func usable(_ records: [TLSARecord]) -> [TLSARecord] {
        let wellFormed = records.filter { record in
            guard [2, 3].contains(record.usage), [0, 1].contains(record.selector) else { return false }
            switch record.matchingType {
            case 0: return !record.data.isEmpty
            case 1: return record.data.count == 32
            case 2: return record.data.count == 64
            default: return false
            }
        }
        return wellFormed.filter { record in
            guard record.matchingType != 0 else { return true }
            let strongest =
                wellFormed.filter { $0.usage == record.usage && $0.selector == record.selector }
                .map(\.matchingType).max() ?? record.matchingType
            return record.matchingType == strongest
        }
    }

    /// Why the leaf does not validate under the DANE-TA anchor at `depth`, or nil when it does.
    private static func taProblem(
        _ subject: CertificateUnderCheck, anchor: Certificate, depth: Int, policy: CheckPolicy
    ) -> String? {
        do {
            let trust = try TrustStore(systemRoots: false, additional: [anchor])
            let outcome = try ChainVerifier.verify(
                subject.leaf, intermediates: Array(subject.chain[1..<depth]), trust: trust,
                options: .init(now: policy.now, checkTime: true, partialChain: true))
            if case .untrusted(let error) = outcome { return "the leaf does not validate under it: \(error)" }
        } catch {
            return "the chain could not be verified: \(error)"
        }
        let missing = policy.hostnames.filter { HostnameMatcher.coveringName(for: $0, in: subject.leaf) == nil }
        return missing.isEmpty ? nil : "the leaf does not cover \(missing.joined(separator: ", "))"
    }
}

extension TLSARecord {
    /// "3 1 1 0C72AC70…": enough to tell records apart in a message.
    var shortText: String {
        "\(usage) \(selector) \(matchingType) \(String(Hex.encode(data).prefix(16)))…"
    }
}
