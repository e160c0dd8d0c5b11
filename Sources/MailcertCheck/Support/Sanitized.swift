/// Text from a server or a certificate made safe for a report: printable ASCII only, and short. A peer controls
/// both, and a control character in them could forge the one-line monitoring output or drive a terminal.
func sanitized(_ text: String, limit: Int = 80) -> String {
    let printable = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
    let short = String(printable.prefix(limit))
    return printable.count > limit ? short + "…" : short
}
