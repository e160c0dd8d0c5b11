/// A host and a port: what `--connect`, `--listen`, `--relay` and `--resolver` take, and how messages name a peer.
///
/// The host is held without brackets ("::1", not "[::1]"); brackets appear only where text needs them, so an IPv6
/// address and its port stay apart ("[::1]:25"). Encoded as that one string, so JSON files read "127.0.0.1:25".
public struct Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// `host` may come bracketed ("[::1]", as a user writes it); the brackets are dropped.
    public init(host: String, port: Int) {
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
    }

    /// "host:port", or "[host]:port" when the host has a colon (an IPv6 address).
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Reads "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address ("::1", which keeps `defaultPort`).
    public static func parse(_ input: String, defaultPort: Int) throws(EndpointError) -> Endpoint {
        let (host, portText) = try split(input)
        var port = defaultPort
        if let portText {
            guard let number = Int(portText) else {
                throw EndpointError(input, input.hasPrefix("[") ? .expectedBracketedPort : .portNotNumber)
            }
            port = number
        }
        guard !host.isEmpty else { throw EndpointError(input, .noHost) }
        guard (1...65535).contains(port) else { throw EndpointError(input, .portOutOfRange) }
        return Endpoint(host: host, port: port)
    }

    /// The host and the port text as written, before any check of either: for readers with rules of their own
    /// (a resolver address must be an IP, its port digits only). Only the brackets are checked here.
    public static func split(_ input: String) throws(EndpointError) -> (host: String, port: Substring?) {
        if input.hasPrefix("[") {
            guard let close = input.firstIndex(of: "]") else { throw EndpointError(input, .missingBracket) }
            let host = String(input[input.index(after: input.startIndex)..<close])
            let rest = input[input.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            guard rest.hasPrefix(":") else { throw EndpointError(input, .expectedBracketedPort) }
            return (host, rest.dropFirst())
        }
        // One colon separates a port; more make a bare IPv6 address, which has none.
        if input.filter({ $0 == ":" }).count == 1, let colon = input.firstIndex(of: ":") {
            return (String(input[..<colon]), input[input.index(after: colon)...])
        }
        return (input, nil)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            // No default port: a stored endpoint always names its own.
            guard try Self.split(text).port != nil else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text): no port")
            }
            self = try Self.parse(text, defaultPort: 0)
        } catch let error as EndpointError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
