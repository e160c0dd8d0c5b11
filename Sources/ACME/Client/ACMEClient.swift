import Foundation
import MailcertCrypto

/// An RFC 8555 client for one CA directory and one account key. Knows nothing of files or the command line.
///
/// Every answer's `Replay-Nonce` is kept for the next request, so an order costs no extra nonce round trips; a
/// `badNonce` answer is retried with a fresh nonce (section 6.5). Problem documents are thrown whole.
public actor ACMEClient {
    public let directoryURL: String
    let transport: HTTPTransport
    public let accountKey: PrivateKey
    public private(set) var accountURL: String?
    private var cachedDirectory: Directory?
    private var nonces: [String] = []
    /// Requests sent so far (a product figure: fewer round trips, faster issuance).
    public private(set) var requestCount = 0

    public init(directoryURL: String, transport: HTTPTransport, accountKey: PrivateKey, accountURL: String? = nil) {
        self.directoryURL = directoryURL
        self.transport = transport
        self.accountKey = accountKey
        self.accountURL = accountURL
    }

    /// The directory, fetched once.
    public func directory() async throws -> Directory {
        if let cachedDirectory { return cachedDirectory }
        let response = try await send(HTTPRequest(method: "GET", url: directoryURL))
        guard response.status == 200 else {
            throw ACMEError(.malformedResponse, "GET \(directoryURL): HTTP \(response.status); is this an ACME directory URL?")
        }
        let directory = try decode(Directory.self, from: response, url: directoryURL)
        cachedDirectory = directory
        return directory
    }

    /// Signed POST of `payload` (nil: POST-as-GET), retrying a badNonce up to 5 times. Throws the CA's problem on
    /// any answer of 400 or above.
    func post(_ url: String, payload: [UInt8]?, identity: JWS.KeyIdentity? = nil) async throws -> HTTPResponse {
        let identity = try identity ?? .kid(requireAccount())
        var attempt = 0
        while true {
            attempt += 1
            let nonce = try await nextNonce()
            let signed = try signing { try JWS.sign(payload: payload, url: url, nonce: nonce, key: accountKey, identity: identity) }
            let response = try await send(HTTPRequest(
                method: "POST", url: url, headers: [("Content-Type", "application/jose+json")], body: signed))
            guard response.status >= 400 else { return response }
            let problem = problem(in: response)
            if problem.isBadNonce, attempt < 6 { continue }
            throw ACMEError(.problem, "\(url): \(problem)", problem: problem)
        }
    }

    /// POST-as-GET of a resource, decoded.
    func fetch<T: Decodable>(_ type: T.Type, _ url: String) async throws -> (T, HTTPResponse) {
        let response = try await post(url, payload: nil)
        return (try decode(type, from: response, url: url), response)
    }

    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse, url: String) throws -> T {
        do { return try ACMEJSON.decoder.decode(type, from: Data(response.body)) } catch {
            let preview = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw ACMEError(.malformedResponse, "\(url): the CA's answer is not a valid \(type) (\(error)); it began: \(preview)")
        }
    }

    func requireAccount() throws -> String {
        guard let accountURL else { throw ACMEError(.problem, "no ACME account is registered or found for this key yet") }
        return accountURL
    }

    func setAccountURL(_ url: String) { accountURL = url }

    private func nextNonce() async throws -> String {
        if let nonce = nonces.popLast() { return nonce }
        let url = try await directory().newNonce
        let response = try await send(HTTPRequest(method: "HEAD", url: url))
        guard let nonce = nonces.popLast() else {
            throw ACMEError(.malformedResponse, "HEAD \(url) (HTTP \(response.status)) gave no Replay-Nonce")
        }
        return nonce
    }

    /// Sends one request, counting it and keeping its Replay-Nonce.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        requestCount += 1
        let response = try await transport.send(request)
        if let nonce = response.header("Replay-Nonce"), !nonce.isEmpty { nonces.append(nonce) }
        return response
    }

    private func problem(in response: HTTPResponse) -> Problem {
        var problem = (try? ACMEJSON.decoder.decode(Problem.self, from: Data(response.body)))
            ?? Problem(type: nil, detail: "HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))", status: response.status)
        problem.retryAfter = response.header("Retry-After")
        return problem
    }

    private func signing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CryptoError {
            throw ACMEError(.crypto, "cannot sign an ACME request with the account key: \(error)")
        }
    }
}

/// JSON decoding for ACME resources: RFC 3339 dates with or without fractional seconds.
enum ACMEJSON {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 date: \(text)"))
            }
            return date
        }
        return decoder
    }()

    static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
