/// A DANE TLSA record (RFC 6698 section 2): which certificate to match, which part of it, and how.
public struct TLSARecord: Sendable, Equatable, CustomStringConvertible {
    /// 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    public let usage: UInt8
    /// 0 the whole certificate, 1 the SubjectPublicKeyInfo.
    public let selector: UInt8
    /// 0 exact data, 1 SHA-256, 2 SHA-512.
    public let matchingType: UInt8
    public let data: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// Parses the presentation form "3 1 1 0123ABCD...", as an administrator copies it from a zone file or from
    /// `mailcert` output: hex in any case, spaces allowed inside the data.
    public init(parsing text: String) throws {
        func bad(_ reason: String) -> DNSError { DNSError(.badRecord, "invalid TLSA record \"\(text)\": \(reason)") }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard fields.count >= 4 else {
            throw bad("expected four fields, usage selector matching-type data (\"3 1 1 <hex>\"), got \(fields.count)")
        }
        var numbers: [UInt8] = []
        for (field, name) in zip(fields.prefix(3), ["usage", "selector", "matching type"]) {
            guard field.allSatisfy(\.isASCIIDigit), let value = UInt8(field) else {
                throw bad("the \(name) \"\(field)\" is not a number from 0 to 255")
            }
            numbers.append(value)
        }
        let hex = Array(fields.dropFirst(3).joined().utf8)
        guard hex.count % 2 == 0 else { throw bad("the data has an odd number of hex digits (\(hex.count))") }
        var data: [UInt8] = []
        data.reserveCapacity(hex.count / 2)
        for index in stride(from: 0, to: hex.count, by: 2) {
            guard let high = Self.hexValue(hex[index]), let low = Self.hexValue(hex[index + 1]) else {
                throw bad("the data is not hexadecimal")
            }
            data.append(high << 4 | low)
        }
        let expected: [UInt8: (name: String, bytes: Int)] = [1: ("SHA-256", 32), 2: ("SHA-512", 64)]
        if let digest = expected[numbers[2]], data.count != digest.bytes {
            throw bad(
                "matching type \(numbers[2]) (\(digest.name)) needs \(digest.bytes) bytes of data"
                    + " (\(digest.bytes * 2) hex digits), got \(data.count)")
        }
        self.init(usage: numbers[0], selector: numbers[1], matchingType: numbers[2], data: data)
    }

    /// "3 1 1 0123ABCD...", upper-case hex without spaces.
    public var description: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var hex = ""
        hex.reserveCapacity(data.count * 2)
        for byte in data {
            hex.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            hex.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0xF)]))
        }
        return "\(usage) \(selector) \(matchingType)" + (data.isEmpty ? "" : " \(hex)")
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The TLSA records of one name and whether the resolver vouched for them.
public struct TLSALookup: Sendable, Equatable {
    public let records: [TLSARecord]
    /// The AD bit of the answer: the resolver validated it with DNSSEC. DANE (RFC 7672) applies only when this is
    /// true, and only if the path to the resolver is trusted (loopback, typically).
    public let authenticated: Bool

    public init(records: [TLSARecord], authenticated: Bool) {
        self.records = records
        self.authenticated = authenticated
    }
}
