import ACME
import Foundation
import MailcertCrypto
import Synchronization

/// A scripted ACME server for what no real peer here offers (ARI and profiles: Debian's Pebble 2.4 has neither
/// renewalInfo nor meta.profiles), and for faults a real CA will not produce on demand (oversized or malformed
/// bodies, rate limits).
///
/// `GET /dir` and `HEAD /nonce` are answered out of the box; each test adds only the routes it needs. Every request
/// is recorded, so a test can read what the client sent.
public final class ScriptedHTTPTransport: HTTPTransport {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    public static let base = "https://ca.test"

    private let routes = Mutex<[String: Handler]>([:])
    private let log = Mutex<[HTTPRequest]>([])
    private let nonceCounter = Atomic<Int>(0)

    /// `directoryExtras` are added to the directory as they are (`meta` with profiles, fields a CA may add).
    public init(renewalInfo: Bool = false, directoryExtras: [String: Any] = [:]) {
        var directory: [String: Any] = [
            "newNonce": "\(Self.base)/nonce", "newAccount": "\(Self.base)/acct", "newOrder": "\(Self.base)/order",
            "revokeCert": "\(Self.base)/revoke", "keyChange": "\(Self.base)/key-change",
        ]
        if renewalInfo { directory["renewalInfo"] = "\(Self.base)/ari" }
        directory.merge(directoryExtras) { _, extra in extra }
        let body = Array(try! JSONSerialization.data(withJSONObject: directory))
        route("GET", "/dir") { _ in HTTPResponse(status: 200, headers: [:], body: body) }
        route("HEAD", "/nonce") { _ in HTTPResponse(status: 200, headers: [:], body: []) }
        route("POST", "/acct") { _ in
            HTTPResponse(status: 201, headers: ["location": ["\(Self.base)/acct/1"]], body: Array(#"{"status":"valid"}"#.utf8))
        }
    }

    /// Answers `METHOD base+path` (a path ending in `*` matches any suffix).
    public func route(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes.withLock { $0["\(method) \(path)"] = handler }
    }

    public var requests: [HTTPRequest] { log.withLock { $0 } }

    /// The decoded JWS payloads POSTed to `path`, in order.
    public func payloads(to path: String) -> [String] {
        requests.filter { $0.method == "POST" && $0.url == Self.base + path }.compactMap { request in
            guard let body = request.body,
                let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: String],
                let payload = object["payload"], let bytes = Base64URL.decode(payload)
            else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        log.withLock { $0.append(request) }
        let path = String(request.url.dropFirst(Self.base.count))
        let handler = routes.withLock { table in
            table["\(request.method) \(path)"] ?? table.first { key, _ in
                key.hasSuffix("*") && "\(request.method) \(path)".hasPrefix(key.dropLast())
            }?.value
        }
        var response = handler?(request) ?? HTTPResponse(status: 404, headers: [:], body: Array("no route for \(request.method) \(path)".utf8))
        let nonce = nonceCounter.add(1, ordering: .relaxed).newValue
        response.headers["replay-nonce"] = ["nonce-\(nonce)"]
        return response
    }
}
