/// Byte-level pieces of DNS messages, for crafting answers the decoder must accept or reject.
enum Wire {
    static func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func u32(_ value: Int) -> [UInt8] { u16(value >> 16) + u16(value & 0xFFFF) }

    /// An uncompressed name; "" is the root.
    static func name(_ text: String) -> [UInt8] {
        text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    static func pointer(_ offset: Int) -> [UInt8] { [0xC0 | UInt8(offset >> 8), UInt8(offset & 0xFF)] }

    /// QR=1, RD=1, RA=1 by default.
    static func header(id: Int = 0x1234, flags: Int = 0x8180, qd: Int = 1, an: Int, ns: Int = 0, ar: Int = 0) -> [UInt8]
    {
        u16(id) + u16(flags) + u16(qd) + u16(an) + u16(ns) + u16(ar)
    }

    static func question(_ text: String, _ type: Int) -> [UInt8] { name(text) + u16(type) + u16(1) }

    static func record(_ owner: [UInt8], _ type: Int, _ data: [UInt8], ttl: Int = 300) -> [UInt8] {
        owner + u16(type) + u16(1) + u32(ttl) + u16(data.count) + data
    }

    /// A reply to `query` as DNSResolver sends it (question, then an 11-byte OPT record): its question echoed.
    static func reply(to query: [UInt8], id: Int? = nil, flags: Int = 0x8180, answers: [[UInt8]] = []) -> [UInt8] {
        let queryID = Int(query[0]) << 8 | Int(query[1])
        return header(id: id ?? queryID, flags: flags, an: answers.count) + Array(query[12..<query.count - 11])
            + answers.flatMap { $0 }
    }
}
