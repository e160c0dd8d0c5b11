/// An HTTP exchange as the ACME client sees it: no cookies, no redirects, bodies as bytes.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header values by lower-cased name, in arrival order (Link may repeat).
    public var headers: [String: [String]]
    public var body: [UInt8]

    public init(status: Int, headers: [String: [String]], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()]?.first }
    public func headerValues(_ name: String) -> [String] { headers[name.lowercased()] ?? [] }
}

/// Sends HTTP requests. Implementations must be safe to call concurrently (authorizations run in parallel) and must
/// bound the size of what they read, since a CA's answer is untrusted input.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
