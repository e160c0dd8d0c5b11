import Foundation
import FuzzSupport
@testable import MailcertDNS

/// libFuzzer entry: any bytes as a DNS response, decoded in full and head-only, then walked the way the MX and TLSA
/// lookups walk it. A hostile server may make the decode throw, never trap, hang or read out of bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? DNSResponse(decoding: bytes, headOnly: true)
    guard let response = try? DNSResponse(decoding: bytes) else { return 0 }
    for record in response.answers {
        // A decoded name is presentation text: at most 255 wire octets, each escaped to at most four characters.
        require(record.name.utf8.count <= 255 * 4, "a name of \(record.name.utf8.count) characters")
        _ = response.records(.mx, of: record.name)
        _ = response.records(.tlsa, of: record.name)
        _ = response.records(.cname, of: record.name)
        if case .tlsa(let tlsa) = record.data {
            // What mailcert prints must parse back to the same record.
            require((try? TLSARecord(parsing: tlsa.description)) == tlsa || tlsa.data.isEmpty
                || [1, 2].contains(tlsa.matchingType), "TLSA presentation does not round-trip: \(tlsa)")
        }
    }
    return 0
}

exit(runLibFuzzer(fuzz))
