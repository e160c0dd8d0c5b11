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
    /// Requests on the wire: each answer brings a fresh nonce, so a signer can wait for one instead of asking.
    private var inFlight = 0
    private var nonceWaiters: [CheckedContinuation<String?, Never>] = []
    /// Nonces handed to a waiting signer that has not sent its request yet: a request is about to be on the wire.
    private var promised = 0
    /// A badNonce answer is retried with the fresh nonce it carries (RFC 8555 section 6.5). A CA may reject a share
    /// of good nonces on purpose (Pebble does, to test clients); 20 tries make a failure from that vanishingly rare.
    static let badNonceAttempts = 20

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

    /// Signed POST of `payload` (nil: POST-as-GET), retrying a badNonce. Throws the CA's problem on
    /// any answer of 400 or above.
    func post(_ url: String, payload: [UInt8]?, identity: JWS.KeyIdentity? = nil) async throws -> HTTPResponse {
        let identity = try identity ?? .kid(requireAccount())
        var attempt = 0
        while true {
            attempt += 1
            let (nonce, wasPromised) = try await nextNonce()
            if wasPromised { promised -= 1 }
            let signed: [UInt8]
            do { signed = try signing { try JWS.sign(payload: payload, url: url, nonce: nonce, key: accountKey, identity: identity) } } catch {
                releaseWaitersIfIdle()
                throw error
            }
            let response = try await send(HTTPRequest(
                method: "POST", url: url, headers: [("Content-Type", "application/jose+json")], body: signed))
            guard response.status >= 400 else { return response }
            let problem = problem(in: response)
            if problem.isBadNonce, attempt < Self.badNonceAttempts { continue }
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

    /// A nonce from the pool; else the one the next answer brings, when a request is on the wire; else a HEAD to
    /// newNonce. Waiting keeps parallel authorizations from costing one extra HEAD each.
    private func nextNonce() async throws -> (String, promised: Bool) {
        if let nonce = nonces.popLast() { return (nonce, false) }
        if inFlight + promised > 0, let nonce = await withCheckedContinuation({ nonceWaiters.append($0) }) { return (nonce, true) }
        let url = try await directory().newNonce
        let response = try await send(HTTPRequest(method: "HEAD", url: url), keepingNonce: true)
        guard let nonce = response.header("Replay-Nonce"), !nonce.isEmpty else {
            throw ACMEError(.malformedResponse, "HEAD \(url) (HTTP \(response.status)) gave no Replay-Nonce")
        }
        return (nonce, false)
    }

    /// Sends one request, counting it. Its Replay-Nonce goes to a signer waiting for one, else to the pool, unless
    /// the caller keeps it (`keepingNonce`, the HEAD that fetched a nonce for itself).
    func send(_ request: HTTPRequest, keepingNonce: Bool = false) async throws -> HTTPResponse {
        requestCount += 1
        inFlight += 1
        let result: Result<HTTPResponse, Error>
        do { result = .success(try await transport.send(request)) } catch { result = .failure(error) }
        inFlight -= 1
        if !keepingNonce, case .success(let response) = result, let nonce = response.header("Replay-Nonce"), !nonce.isEmpty {
            if nonceWaiters.isEmpty { nonces.append(nonce) } else {
                promised += 1
                nonceWaiters.removeFirst().resume(returning: nonce)
            }
        }
        releaseWaitersIfIdle()
        return try result.get()
    }

    /// With nothing on the wire and no request about to go, no nonce is coming: the waiters fetch their own.
    private func releaseWaitersIfIdle() {
        guard inFlight == 0, promised == 0 else { return }
        for waiter in nonceWaiters { waiter.resume(returning: nil) }
        nonceWaiters.removeAll()
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

    static func parseDate(_ text: String) -> Date? { WireDate.rfc3339(text) }
}
