import Foundation
import FuzzSupport
import MailcertDNS

/// libFuzzer entry: any bytes as TLSA presentation text ("3 1 1 <hex>"). Parsing throws or succeeds; a parsed record
/// prints as text that parses back to the same record.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let record = try? TLSARecord(parsing: text) else { return 0 }
    if !record.data.isEmpty {
        let again = try? TLSARecord(parsing: record.description)
        require(again == record, "\"\(record)\" does not parse back to the record it prints")
    }
    return 0
}

exit(runLibFuzzer(fuzz))
