import MailcertCrypto
import MailcertDNS

/// Compares TLSA records with certificates (RFC 6698 section 2.1): the selector picks the whole certificate or its
/// SubjectPublicKeyInfo, the matching type says whether the record holds those bytes or their SHA-256/SHA-512.
public enum TLSAMatcher {
    /// The association data `certificate` would have under `selector` and `matchingType`; nil for values
    /// RFC 6698 does not define.
    public static func associationData(of certificate: Certificate, selector: UInt8, matchingType: UInt8) -> [UInt8]? {
        let selected: [UInt8]
        switch selector {
        case 0: selected = certificate.der
        case 1:
            guard let spki = try? certificate.publicKeyDER() else { return nil }
            selected = spki
        default: return nil
        }
        switch matchingType {
        case 0: return selected
        case 1: return Digest.sha256.hash(selected)
        case 2: return Digest.sha512.hash(selected)
        default: return nil
        }
    }

    public static func matches(_ record: TLSARecord, _ certificate: Certificate) -> Bool {
        associationData(of: certificate, selector: record.selector, matchingType: record.matchingType) == record.data
    }

    /// The "3 1 1" record for a key, the form `mailcert tlsa` publishes: SHA-256 of the SubjectPublicKeyInfo.
    public static func dane311(spki: [UInt8]) -> TLSARecord {
        TLSARecord(usage: 3, selector: 1, matchingType: 1, data: Digest.sha256.hash(spki))
    }
}
