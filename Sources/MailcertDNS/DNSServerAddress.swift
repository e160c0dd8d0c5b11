#if canImport(Glibc)
    import Glibc
#endif
import MailcertSystem

/// The resolver to ask: an IP address (never a host name, which would need a resolver itself) and a port.
///
/// Accepted forms: "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353", "fe80::1%eth0"; the port defaults to 53.
public struct DNSServerAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(parsing text: String) throws {
        let text = text.trimmingSpaces
        // Endpoint finds the host and the port text; the rules for each are this reader's own (IP only, digits only).
        let host: String
        let portText: Substring?
        do { (host, portText) = try Endpoint.split(text) } catch {
            switch error.problem {
            case .missingBracket: throw Self.bad(text, "missing \"]\" after the IPv6 address")
            default: throw Self.bad(text, "expected \":PORT\" after \"]\"")
            }
        }
        var port = 53
        if let portText {
            guard portText.allSatisfy(\.isASCIIDigit), let value = Int(portText), (1...65_535).contains(value) else {
                throw Self.bad(text, "the port must be a number from 1 to 65535")
            }
            port = value
        }
        // getaddrinfo alone would take legacy IPv4 forms such as "127.1"; inet_pton takes only dotted quads.
        var ipv4 = in_addr()
        let valid =
            host.contains(":")
            ? (try? SocketAddress(numericHost: host, port: port)) != nil : inet_pton(AF_INET, host, &ipv4) == 1
        guard valid else {
            throw Self.bad(text, "\"\(host)\" is not an IPv4 or IPv6 address")
        }
        self.host = host
        self.port = port
    }

    /// "127.0.0.1:53", "[::1]:5353": the form messages use, unambiguous for IPv6.
    public var description: String { Endpoint(host: host, port: port).description }

    private static func bad(_ text: String, _ reason: String) -> DNSError {
        DNSError(
            .badAddress, "invalid DNS resolver address \"\(text)\": \(reason) (expected IP or IP:PORT, [IPv6]:PORT)")
    }
}

/// A socket address built by getaddrinfo with numeric-only flags, so no lookup ever happens and IPv6 scope ids work.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0
    var family: Int32 { Int32(storage.ss_family) }

    init(numericHost host: String, port: Int) throws(DNSError) {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0, let first = list?.pointee, let address = first.ai_addr,
            Int(first.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size
        else {
            throw DNSError(.badAddress, "\"\(host)\" is not an IPv4 or IPv6 address")
        }
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(first.ai_addrlen)))
        }
        length = first.ai_addrlen
    }

    /// Calls `body` with the address as the `sockaddr` pointer socket calls take.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line ends (Foundation-free).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
