#if canImport(Glibc)
    import Glibc
#endif
import MailcertCrypto

/// TSIG (RFC 8945): signing a request and checking the signed answer to it.
///
/// The MAC covers the message as it was before the TSIG record was added plus the "TSIG variables" (section 4.3.3);
/// an answer's MAC also covers the request's MAC (section 4.3.1), so an answer cannot be replayed for another request.
enum TSIG {
    static let classANY: UInt16 = 255
    /// 300 s, the RFC's recommended fudge: clocks may differ by that much before the server answers BADTIME.
    static let fudge: UInt16 = 300

    /// The TSIG error field's names (RFC 8945 section 5.3, RFC 2845).
    static func errorName(_ code: UInt16) -> String {
        [16: "BADSIG", 17: "BADKEY", 18: "BADTIME", 22: "BADTRUNC"][code] ?? "TSIG error \(code)"
    }

    /// The seconds since 1970, as TSIG's 48-bit time.
    static func now() -> UInt64 { UInt64(max(0, time(nil))) }

    /// `message` with a TSIG record appended (ARCOUNT + 1), and the MAC the answer's MAC will cover.
    static func sign(
        _ message: [UInt8], key: TSIGKey, at timeSigned: UInt64
    ) throws(DNSError) -> (bytes: [UInt8], mac: [UInt8]) {
        precondition(message.count >= 12)
        let variables = Self.variables(key: key, timeSigned: timeSigned, fudge: fudge, error: 0, other: [])
        let mac = try Self.mac(key, message + variables)
        var signed = message
        let arcount = UInt16(message[10]) << 8 | UInt16(message[11]) + 1
        signed[10] = UInt8(arcount >> 8)
        signed[11] = UInt8(arcount & 0xFF)
        signed.append(contentsOf: DNSName.wire(key.name))
        signed.appendUInt16(DNSType.tsig.value)
        signed.appendUInt16(classANY)
        signed.appendUInt32(0)
        var data = DNSName.wire(key.algorithmName)
        data.appendUInt48(timeSigned)
        data.appendUInt16(fudge)
        data.appendUInt16(UInt16(mac.count))
        data.append(contentsOf: mac)
        data.append(message[0])
        data.append(message[1])  // original ID
        data.appendUInt16(0)  // error
        data.appendUInt16(0)  // other length
        signed.appendUInt16(UInt16(data.count))
        signed.append(contentsOf: data)
        return (signed, mac)
    }

    /// The TSIG record at the end of an answer, and the answer as it was before the server signed it.
    struct Record {
        let keyName: String
        let algorithm: String
        let timeSigned: UInt64
        let fudge: UInt16
        let mac: [UInt8]
        let originalID: UInt16
        let error: UInt16
        let other: [UInt8]
        /// The answer without its TSIG record, ARCOUNT decremented and the original ID restored.
        let unsigned: [UInt8]
    }

    /// Finds the TSIG record, which must be the last additional record; nil when the answer is unsigned.
    static func record(in message: [UInt8]) throws(DNSError) -> Record? {
        var reader = DNSMessageReader(message)
        guard message.count >= 12 else {
            throw DNSMessageReader.malformed("\(message.count) bytes, shorter than a header")
        }
        _ = try reader.bytes(4)
        let counts = [try reader.uint16(), try reader.uint16(), try reader.uint16(), try reader.uint16()].map(Int.init)
        guard counts[3] > 0 else { return nil }
        for _ in 0..<counts[0] {
            _ = try reader.name()
            _ = try reader.bytes(4)
        }
        for _ in 0..<(counts[1] + counts[2] + counts[3] - 1) { _ = try reader.record(decodingData: false) }
        let start = reader.offset
        let owner = try reader.name()
        guard DNSType(try reader.uint16()) == .tsig else { return nil }
        guard try reader.uint16() == classANY, try reader.uint32() == 0 else {
            throw DNSMessageReader.malformed("the TSIG record's class or TTL is wrong")
        }
        let length = Int(try reader.uint16())
        let end = reader.offset + length
        let algorithm = try reader.name()
        let high = UInt64(try reader.uint16())
        let timeSigned = high << 32 | UInt64(try reader.uint32())
        let fudge = try reader.uint16()
        let mac = try reader.bytes(Int(try reader.uint16()))
        let originalID = try reader.uint16()
        let error = try reader.uint16()
        let other = try reader.bytes(Int(try reader.uint16()))
        guard reader.offset == end, end == message.count else {
            throw DNSMessageReader.malformed("the TSIG record does not fill its data, or is not last")
        }
        var unsigned = Array(message[0..<start])
        unsigned[0] = UInt8(originalID >> 8)
        unsigned[1] = UInt8(originalID & 0xFF)
        let arcount = UInt16(counts[3] - 1)
        unsigned[10] = UInt8(arcount >> 8)
        unsigned[11] = UInt8(arcount & 0xFF)
        return Record(
            keyName: owner, algorithm: algorithm, timeSigned: timeSigned, fudge: fudge, mac: mac,
            originalID: originalID,
            error: error, other: other, unsigned: unsigned)
    }

    /// Why a signed answer cannot be trusted, or nil when its MAC is right and its time within the fudge.
    static func problem(
        with record: Record, key: TSIGKey, requestMAC: [UInt8], now: UInt64
    ) throws(DNSError) -> String? {
        guard record.keyName == key.name, record.algorithm == key.algorithmName else {
            return "the answer is signed with key \(record.keyName) (\(record.algorithm)), not \(key.name)"
        }
        var covered: [UInt8] = []
        covered.appendUInt16(UInt16(requestMAC.count))
        covered.append(contentsOf: requestMAC)
        covered.append(contentsOf: record.unsigned)
        covered.append(
            contentsOf: variables(
                key: key, timeSigned: record.timeSigned, fudge: record.fudge, error: record.error, other: record.other))
        let valid: Bool
        do { valid = try HMAC(key.algorithm, key: key.secret).verify(record.mac, of: covered) } catch {
            throw DNSError(.tsig, "cannot check the answer's TSIG MAC: \(error)")
        }
        guard valid else { return "the answer's TSIG MAC is wrong (it was not signed with \(key.name)'s secret)" }
        let skew = record.timeSigned > now ? record.timeSigned - now : now - record.timeSigned
        guard skew <= UInt64(record.fudge) else {
            return
                "the answer was signed \(skew) s away from this host's clock, more than the \(record.fudge) s allowed"
        }
        return nil
    }

    /// Section 4.3.3: key name and algorithm in canonical (lower-case, uncompressed) form, class, TTL, time, fudge,
    /// error and other data.
    private static func variables(
        key: TSIGKey, timeSigned: UInt64, fudge: UInt16, error: UInt16, other: [UInt8]
    ) -> [UInt8] {
        var out = DNSName.wire(key.name)
        out.appendUInt16(classANY)
        out.appendUInt32(0)
        out.append(contentsOf: DNSName.wire(key.algorithmName))
        out.appendUInt48(timeSigned)
        out.appendUInt16(fudge)
        out.appendUInt16(error)
        out.appendUInt16(UInt16(other.count))
        out.append(contentsOf: other)
        return out
    }

    private static func mac(_ key: TSIGKey, _ message: [UInt8]) throws(DNSError) -> [UInt8] {
        do { return try HMAC(key.algorithm, key: key.secret).mac(message) } catch {
            throw DNSError(.tsig, "cannot sign with TSIG \(key): \(error)")
        }
    }
}

extension [UInt8] {
    mutating func appendUInt48(_ value: UInt64) {
        appendUInt16(UInt16(truncatingIfNeeded: value >> 32))
        appendUInt32(UInt32(truncatingIfNeeded: value))
    }
}
