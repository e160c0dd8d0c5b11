/// One resource record to add or delete: owner, type, TTL and data already in wire form, so any type can be updated
/// (TXT for dns-01, TLSA for DANE).
public struct DNSUpdateRecord: Sendable, Equatable, CustomStringConvertible {
    /// Lower-case, without the trailing dot.
    public let name: String
    public let type: DNSType
    public let ttl: UInt32
    public let data: [UInt8]
    /// The data in presentation form, for messages.
    public let text: String

    public init(name: String, type: DNSType, ttl: UInt32, data: [UInt8], text: String) throws(DNSError) {
        self.name = try DNSName.normalized(name)
        self.type = type
        self.ttl = ttl
        self.data = data
        self.text = text
    }

    /// A TXT record of one value, cut into the 255-byte character-strings of RFC 1035 section 3.3.14.
    public static func txt(_ name: String, _ value: String, ttl: UInt32 = 60) throws(DNSError) -> DNSUpdateRecord {
        let bytes = Array(value.utf8)
        var data: [UInt8] = []
        var start = 0
        repeat {
            let chunk = bytes[start..<min(bytes.count, start + 255)]
            data.append(UInt8(chunk.count))
            data.append(contentsOf: chunk)
            start += 255
        } while start < bytes.count
        return try DNSUpdateRecord(name: name, type: .txt, ttl: ttl, data: data, text: "\"\(value)\"")
    }

    /// A TLSA record (RFC 6698 section 2.1).
    public static func tlsa(
        _ name: String, _ record: TLSARecord, ttl: UInt32 = 300
    ) throws(DNSError)
        -> DNSUpdateRecord
    {
        let data = [record.usage, record.selector, record.matchingType] + record.data
        return try DNSUpdateRecord(name: name, type: .tlsa, ttl: ttl, data: data, text: record.description)
    }

    /// "_acme-challenge.mx1.example.test TXT \"abc\"".
    public var description: String { "\(name) \(type) \(text)" }
}

/// One DNS UPDATE message (RFC 2136): prerequisites, then changes. The server applies all changes or none, and only
/// when every prerequisite holds (section 3.2 and 3.4).
public struct DNSUpdate: Sendable, CustomStringConvertible {
    /// RFC 2136 section 2.4.
    public enum Prerequisite: Sendable, CustomStringConvertible {
        case rrsetExists(String, DNSType)
        case rrsetAbsent(String, DNSType)
        /// This exact record exists.
        case recordExists(DNSUpdateRecord)
        case nameInUse(String)
        case nameNotInUse(String)

        public var description: String {
            switch self {
            case .rrsetExists(let name, let type): "\(name) has \(type) records"
            case .rrsetAbsent(let name, let type): "\(name) has no \(type) records"
            case .recordExists(let record): "\(record) exists"
            case .nameInUse(let name): "\(name) exists"
            case .nameNotInUse(let name): "\(name) does not exist"
            }
        }
    }

    /// RFC 2136 section 2.5.
    public enum Change: Sendable, CustomStringConvertible {
        case add(DNSUpdateRecord)
        /// Deletes this one record; a record that is not there is no error.
        case delete(DNSUpdateRecord)
        /// Deletes every record of this type at this name.
        case deleteRRset(String, DNSType)

        public var description: String {
            switch self {
            case .add(let record): "add \(record)"
            case .delete(let record): "delete \(record)"
            case .deleteRRset(let name, let type): "delete every \(type) record of \(name)"
            }
        }

        /// The owner name, to find the zone by.
        var name: String {
            switch self {
            case .add(let record), .delete(let record): record.name
            case .deleteRRset(let name, _): name
            }
        }
    }

    public var prerequisites: [Prerequisite]
    public var changes: [Change]

    public init(_ changes: [Change], prerequisites: [Prerequisite] = []) {
        self.changes = changes
        self.prerequisites = prerequisites
    }

    /// "add X TXT \"v\"; delete Y TLSA 3 1 1 …", with the prerequisites after "if".
    public var description: String {
        let text = changes.map(\.description).joined(separator: "; ")
        return prerequisites.isEmpty
            ? text : text + " if " + prerequisites.map(\.description).joined(separator: " and ")
    }

    static let opcode: UInt16 = 5
    static let classNONE: UInt16 = 254

    /// The unsigned message for `zone`: header with opcode UPDATE, the zone section (SOA, IN), prerequisites,
    /// changes; no additional records (TSIG is added by `TSIG.sign`).
    func bytes(id: UInt16, zone: String) throws(DNSError) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt16(id)
        out.appendUInt16(Self.opcode << 11)
        out.appendUInt16(1)
        out.appendUInt16(UInt16(prerequisites.count))
        out.appendUInt16(UInt16(changes.count))
        out.appendUInt16(0)
        out.append(contentsOf: DNSName.wire(zone))
        out.appendUInt16(DNSType.soa.value)
        out.appendUInt16(DNSQuery.classIN)
        func record(_ name: String, _ type: DNSType, _ rclass: UInt16, _ ttl: UInt32, _ data: [UInt8]) throws(DNSError)
        {
            out.append(contentsOf: DNSName.wire(try DNSName.normalized(name)))
            out.appendUInt16(type.value)
            out.appendUInt16(rclass)
            out.appendUInt32(ttl)
            out.appendUInt16(UInt16(data.count))
            out.append(contentsOf: data)
        }
        for prerequisite in prerequisites {
            switch prerequisite {
            case .rrsetExists(let name, let type): try record(name, type, TSIG.classANY, 0, [])
            case .rrsetAbsent(let name, let type): try record(name, type, Self.classNONE, 0, [])
            case .recordExists(let given): try record(given.name, given.type, DNSQuery.classIN, 0, given.data)
            case .nameInUse(let name): try record(name, .any, TSIG.classANY, 0, [])
            case .nameNotInUse(let name): try record(name, .any, Self.classNONE, 0, [])
            }
        }
        for change in changes {
            switch change {
            case .add(let given): try record(given.name, given.type, DNSQuery.classIN, given.ttl, given.data)
            case .delete(let given): try record(given.name, given.type, Self.classNONE, 0, given.data)
            case .deleteRRset(let name, let type): try record(name, type, TSIG.classANY, 0, [])
            }
        }
        return out
    }
}
