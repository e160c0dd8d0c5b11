/// The record types this client asks for, reads or updates (RFC 1035, 3596, 6891, 6698, 8945).
public struct DNSType: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt16
    public init(_ value: UInt16) { self.value = value }

    public static let a = DNSType(1)
    public static let ns = DNSType(2)
    public static let cname = DNSType(5)
    public static let soa = DNSType(6)
    public static let mx = DNSType(15)
    public static let txt = DNSType(16)
    public static let aaaa = DNSType(28)
    public static let opt = DNSType(41)
    public static let tlsa = DNSType(52)
    public static let tsig = DNSType(250)
    /// The QTYPE/TYPE "*" of RFC 2136's name prerequisites.
    public static let any = DNSType(255)

    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .tsig: "TSIG"
        case .any: "ANY"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .opt: "OPT"
        case .tlsa: "TLSA"
        default: "TYPE\(value)"
        }
    }
}

/// One question (RFC 1035 section 4.1.2), class IN.
struct DNSQuestion: Equatable, Sendable {
    let name: String
    let type: DNSType
    let qclass: UInt16
}

/// A query as sent: one question, RD=1 and AD=1, and an EDNS0 OPT record.
///
/// AD=1 asks the resolver to say whether it validated the answer (RFC 6840 section 5.7), which DANE needs; DO stays
/// unset because this client does not want signatures. The OPT record's 1232-byte payload size is the 2020 DNS flag
/// day value: large enough for most MX and TLSA answers, small enough not to fragment.
struct DNSQuery: Sendable {
    static let udpPayloadSize: UInt16 = 1232
    static let classIN: UInt16 = 1

    let id: UInt16
    /// Already checked by `DNSName.normalized`.
    let name: String
    let type: DNSType

    init(id: UInt16 = .random(in: .min ... .max), name: String, type: DNSType) {
        self.id = id
        self.name = name
        self.type = type
    }

    var question: DNSQuestion { DNSQuestion(name: name, type: type, qclass: Self.classIN) }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt16(id)
        out.appendUInt16(0x0100 | 0x0020)  // RD, AD
        out.appendUInt16(1)  // QDCOUNT
        out.appendUInt16(0)  // ANCOUNT
        out.appendUInt16(0)  // NSCOUNT
        out.appendUInt16(1)  // ARCOUNT: the OPT record
        out.append(contentsOf: DNSName.wire(name))
        out.appendUInt16(type.value)
        out.appendUInt16(Self.classIN)
        out.append(0)  // OPT owner: the root
        out.appendUInt16(DNSType.opt.value)
        out.appendUInt16(Self.udpPayloadSize)  // the OPT "class" is the payload size
        out.appendUInt32(0)  // extended RCODE 0, version 0, DO=0
        out.appendUInt16(0)  // no options
        return out
    }

    /// True when `response` answers this query: same ID, a response, and the same question. Error answers without a
    /// question (FORMERR from some servers) are accepted on the ID alone, so they are reported instead of timing out.
    func isAnswered(by response: DNSResponse) -> Bool {
        guard response.id == id, response.isResponse, response.opcode == 0 else { return false }
        if let answered = response.question { return answered == question }
        return response.questionCount == 0 && response.rcode != 0
    }
}

extension [UInt8] {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendUInt32(_ value: UInt32) {
        appendUInt16(UInt16(value >> 16))
        appendUInt16(UInt16(value & 0xFFFF))
    }
}
