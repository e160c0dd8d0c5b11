/// Domain names as this client sends them: checked before they reach the wire, so a typo fails with a clear message
/// instead of an odd answer.
enum DNSName {
    /// Lower-cased, one trailing dot stripped; labels of 1-63 octets, at most 253 characters, letters, digits, hyphen
    /// and underscore (for "_25._tcp"). Internationalised names must be given in their "xn--" form.
    static func normalized(_ text: String) throws(DNSError) -> String {
        var name = text.trimmingSpaces.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        func bad(_ reason: String) -> DNSError { DNSError(.badName, "\"\(text)\" is not a valid DNS name: \(reason)") }
        guard !name.isEmpty else { throw bad("it is empty") }
        guard name.utf8.count <= 253 else { throw bad("it is longer than 253 characters") }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw bad("it has an empty label") }
            guard label.utf8.count <= 63 else { throw bad("the label \"\(label)\" is longer than 63 characters") }
            guard label.utf8.allSatisfy(isAllowed) else {
                throw bad(
                    "the label \"\(label)\" has a character other than letters, digits, \"-\" and \"_\""
                        + " (write internationalised names in their xn-- form)")
            }
        }
        return name
    }

    /// The wire form of a name `normalized` accepted: length-prefixed labels ending with the root's zero octet.
    static func wire(_ name: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes.append(contentsOf: label.utf8)
        }
        bytes.append(0)
        return bytes
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
            UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
