/// A bounds-checked cursor over a DNS message from the network.
///
/// Every read checks the remaining length and throws `malformedAnswer` instead of trapping, so a hostile or broken
/// server can make a lookup fail but never crash or hang the process.
struct DNSMessageReader {
    /// Compression chains are short in real answers; the cap is a second guard beside the backwards-only rule.
    static let maxPointerJumps = 32

    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func uint8() throws(DNSError) -> UInt8 {
        guard remaining >= 1 else {
            throw Self.malformed("the message ends at offset \(offset), in the middle of a field")
        }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() throws(DNSError) -> UInt16 {
        let high = try uint8()
        return UInt16(high) << 8 | UInt16(try uint8())
    }

    mutating func uint32() throws(DNSError) -> UInt32 {
        let high = try uint16()
        return UInt32(high) << 16 | UInt32(try uint16())
    }

    mutating func bytes(_ count: Int) throws(DNSError) -> [UInt8] {
        guard count >= 0, remaining >= count else {
            throw Self.malformed("\(count) bytes wanted at offset \(offset), only \(remaining) left")
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a possibly compressed name (RFC 1035 section 4.1.4): lower-case, no trailing dot, "" for the root.
    ///
    /// A pointer must point before the start of the labels it continues, so every jump goes strictly backwards and a
    /// chain always ends; loops and forward references are rejected, and so are names over 255 octets.
    mutating func name() throws(DNSError) -> String {
        var labels: [String] = []
        var position = offset
        var segmentStart = offset
        var jumps = 0
        var wireLength = 1
        while true {
            guard position < bytes.count else { throw Self.malformed("a name runs past the end of the message") }
            let length = Int(bytes[position])
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if jumps == 0 { offset = position + 1 }
                    return labels.joined(separator: ".")
                }
                guard position + 1 + length <= bytes.count else {
                    throw Self.malformed("a label at offset \(position) runs past the end of the message")
                }
                wireLength += 1 + length
                guard wireLength <= 255 else { throw Self.malformed("a name at offset \(offset) is over 255 octets") }
                labels.append(Self.presentation(bytes[position + 1..<position + 1 + length]))
                position += 1 + length
            case 0xC0:
                guard position + 1 < bytes.count else { throw Self.malformed("a compression pointer is cut off") }
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target >= 12, target < segmentStart else {
                    throw Self.malformed("the compression pointer at offset \(position) does not point backwards")
                }
                jumps += 1
                guard jumps <= Self.maxPointerJumps else { throw Self.malformed("too many compression pointers") }
                if jumps == 1 { offset = position + 2 }
                position = target
                segmentStart = target
            default:
                throw Self.malformed("unsupported label type at offset \(position)")
            }
        }
    }

    /// A label in zone-file presentation form: letters lower-cased, "." and "\" escaped, other bytes as \DDD.
    static func presentation(_ label: ArraySlice<UInt8>) -> String {
        var text = ""
        for byte in label {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): text.unicodeScalars.append(Unicode.Scalar(byte + 32))
            case UInt8(ascii: "."), UInt8(ascii: "\\"): text += "\\" + String(Unicode.Scalar(byte))
            case 0x21...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }

    static func malformed(_ reason: String) -> DNSError { DNSError(.malformedAnswer, reason) }
}

/// The data of an answer record, decoded for the types this client uses.
enum DNSRecordData: Equatable, Sendable {
    case a([UInt8])
    case aaaa([UInt8])
    case cname(String)
    case ns(String)
    /// The character-strings of a TXT record, joined (as RFC 8555 and RFC 7208 read them).
    case txt(String)
    case mx(MXRecord)
    case tlsa(TLSARecord)
    case other
}

/// One resource record (RFC 1035 section 4.1.3).
struct DNSRecord: Equatable, Sendable {
    let name: String
    let type: DNSType
    let ttl: UInt32
    let data: DNSRecordData
}

/// A decoded DNS response.
///
/// When TC=1 only the header and the question are decoded: the rest is incomplete by definition and is fetched again
/// over TCP, so a cut-off record there is not an error.
struct DNSResponse: Sendable {
    let id: UInt16
    let flags: UInt16
    let questionCount: Int
    let question: DNSQuestion?
    let answers: [DNSRecord]
    /// The 4-bit header RCODE, extended by the OPT record's upper 8 bits when there is one (RFC 6891 section 6.1.3).
    let rcode: Int

    var isResponse: Bool { flags & 0x8000 != 0 }
    var opcode: Int { Int(flags >> 11) & 0xF }
    var isTruncated: Bool { flags & 0x0200 != 0 }
    var isAuthenticated: Bool { flags & 0x0020 != 0 }

    /// Decodes `bytes`; with `headOnly`, stops after the question (enough to match a reply to its query).
    init(decoding bytes: [UInt8], headOnly: Bool = false) throws(DNSError) {
        var reader = DNSMessageReader(bytes)
        guard bytes.count >= 12 else { throw DNSMessageReader.malformed("\(bytes.count) bytes, shorter than a header") }
        id = try reader.uint16()
        flags = try reader.uint16()
        questionCount = Int(try reader.uint16())
        let answerCount = Int(try reader.uint16())
        let authorityCount = Int(try reader.uint16())
        let additionalCount = Int(try reader.uint16())
        var question: DNSQuestion?
        if questionCount == 1 {
            question = DNSQuestion(
                name: try reader.name(), type: DNSType(try reader.uint16()), qclass: try reader.uint16())
        }
        self.question = question
        var rcode = Int(flags & 0xF)
        guard !headOnly, flags & 0x0200 == 0 else {
            answers = []
            self.rcode = rcode
            return
        }
        guard questionCount <= 1 else { throw DNSMessageReader.malformed("\(questionCount) questions in one answer") }
        var answers: [DNSRecord] = []
        for _ in 0..<answerCount { answers.append(try reader.record(decodingData: true)) }
        for _ in 0..<authorityCount { _ = try reader.record(decodingData: false) }
        for _ in 0..<additionalCount {
            let record = try reader.record(decodingData: false)
            if record.type == .opt { rcode |= Int(record.ttl >> 24) << 4 }
        }
        self.answers = answers
        self.rcode = rcode
    }

    /// The records of `type` owned by `name`, following a CNAME chain inside the answer section (as resolvers send it).
    func records(_ type: DNSType, of name: String) -> [DNSRecordData] {
        var owner = name
        for _ in 0..<16 {
            let found = answers.filter { $0.name == owner && $0.type == type }.map(\.data)
            if !found.isEmpty || type == .cname { return found }
            let alias = answers.lazy.compactMap { record -> String? in
                if record.name == owner, case .cname(let target) = record.data { return target }
                return nil
            }.first
            guard let alias else { return [] }
            owner = alias
        }
        return []
    }
}

extension DNSMessageReader {
    /// Reads one resource record; its data must fit its RDLENGTH exactly.
    mutating func record(decodingData: Bool) throws(DNSError) -> DNSRecord {
        let owner = try name()
        let type = DNSType(try uint16())
        let recordClass = try uint16()
        let ttl = try uint32()
        let length = Int(try uint16())
        guard remaining >= length else {
            throw Self.malformed(
                "the \(type) record of \"\(owner)\" claims \(length) bytes of data, only \(remaining) left")
        }
        let end = offset + length
        func bad(_ reason: String) -> DNSError { Self.malformed("the \(type) record of \"\(owner)\" \(reason)") }
        var data = DNSRecordData.other
        if decodingData, recordClass == DNSQuery.classIN {
            switch type {
            case .a:
                guard length == 4 else { throw bad("has \(length) bytes of data, not 4") }
                data = .a(try bytes(4))
            case .aaaa:
                guard length == 16 else { throw bad("has \(length) bytes of data, not 16") }
                data = .aaaa(try bytes(16))
            case .cname:
                data = .cname(try name())
            case .ns:
                data = .ns(try name())
            case .txt:
                var text: [UInt8] = []
                while offset < end { text += try bytes(Int(try uint8())) }
                data = .txt(String(decoding: text, as: UTF8.self))
            case .mx:
                guard length >= 3 else { throw bad("is too short") }
                data = .mx(MXRecord(preference: try uint16(), exchange: try name()))
            case .tlsa:
                guard length >= 3 else { throw bad("is too short") }
                let usage = try uint8()
                let selector = try uint8()
                let matchingType = try uint8()
                data = .tlsa(
                    TLSARecord(
                        usage: usage, selector: selector, matchingType: matchingType, data: try bytes(end - offset)))
            default:
                offset = end  // a type this client does not decode (SOA, NS of a referral): its data is skipped
            }
            guard offset == end else { throw bad("does not fill its \(length) bytes of data exactly") }
        }
        offset = end
        return DNSRecord(name: owner, type: type, ttl: ttl, data: data)
    }
}
