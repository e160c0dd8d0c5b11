import ACME
import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Synchronization
import Testing

/// Behaviour against a scripted CA: ARI (which Debian's Pebble 2.4 does not offer) and faults a real CA does not
/// produce on demand. Everything Pebble can show is tested against Pebble in ACMEIntegrationTests.
@Suite("ACME client against a scripted CA")
struct ScriptedCATests {
    let base = ScriptedHTTPTransport.base

    private func client(_ transport: ScriptedHTTPTransport) throws -> ACMEClient {
        ACMEClient(directoryURL: "\(base)/dir", transport: transport, accountKey: try PrivateKey.generate(.ecdsaP256), accountURL: "\(base)/acct/1")
    }

    private func problem(_ status: Int, _ type: String, _ detail: String, retryAfter: String? = nil) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: retryAfter.map { ["retry-after": [$0]] } ?? [:],
            body: Array(#"{"type":"urn:ietf:params:acme:error:\#(type)","detail":"\#(detail)"}"#.utf8))
    }

    /// An order that is valid at once, so the flow goes straight to the download of `chain`.
    private func validOrder(_ transport: ScriptedHTTPTransport, chain: String) {
        let order = #"{"status":"valid","identifiers":[{"type":"dns","value":"mx1.example.test"}],"authorizations":[],"finalize":"https://ca.test/fin","certificate":"https://ca.test/cert"}"#
        transport.route("POST", "/order") { _ in HTTPResponse(status: 201, headers: ["location": ["https://ca.test/order/1"]], body: Array(order.utf8)) }
        transport.route("POST", "/cert") { _ in HTTPResponse(status: 200, headers: [:], body: Array(chain.utf8)) }
    }

    private func someChain() throws -> String {
        try SelfSignedCertificate.make(key: try PrivateKey.generate(.ecdsaP256), hostnames: ["mx1.example.test"], notBefore: .now, days: 1).pem
    }

    @Test("ARI: the window is read from renewalInfo with the certificate's identifier")
    func renewalInfo() async throws {
        let transport = ScriptedHTTPTransport(renewalInfo: true)
        transport.route("GET", "/ari/*") { _ in
            HTTPResponse(status: 200, headers: ["retry-after": ["21600"]], body: Array(#"{"suggestedWindow":{"start":"2027-01-01T00:00:00Z","end":"2027-01-03T00:00:00Z"}}"#.utf8))
        }
        let info = try #require(try await client(transport).renewalInfo(certificateID: "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"))
        #expect(info.0.suggestedWindow.start == ISO8601DateFormatter().date(from: "2027-01-01T00:00:00Z"))
        #expect(info.retryAfter == "21600")
        #expect(transport.requests.last?.url == "\(base)/ari/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE")
    }

    @Test("ARI: a renewal order names its predecessor in `replaces`; a CA that refuses it gets the order again without")
    func replaces() async throws {
        let transport = ScriptedHTTPTransport(renewalInfo: true)
        let chain = try someChain()
        validOrder(transport, chain: chain)
        let flow = OrderFlow(client: try client(transport), solver: HTTP01WebrootSolver(webroot: URL(fileURLWithPath: "/nonexistent")), progress: { _ in })
        _ = try await flow.obtain(hostnames: ["mx1.example.test"], csrDER: [0x30, 0x00], replaces: "KEYID.SERIAL", preferredChain: nil)
        #expect(transport.payloads(to: "/order").first?.contains(#""replaces":"KEYID.SERIAL""#) == true)

        let refusing = ScriptedHTTPTransport(renewalInfo: true)
        validOrder(refusing, chain: chain)
        let order = #"{"status":"valid","identifiers":[],"authorizations":[],"finalize":"https://ca.test/fin","certificate":"https://ca.test/cert"}"#
        refusing.route("POST", "/order") { _ in
            let sent = refusing.payloads(to: "/order").last ?? ""
            if sent.contains("replaces") { return self.problem(409, "alreadyReplaced", "certificate already replaced") }
            return HTTPResponse(status: 201, headers: ["location": ["https://ca.test/order/2"]], body: Array(order.utf8))
        }
        let retried = OrderFlow(client: try client(refusing), solver: HTTP01WebrootSolver(webroot: URL(fileURLWithPath: "/nonexistent")), progress: { _ in })
        _ = try await retried.obtain(hostnames: ["mx1.example.test"], csrDER: [0x30, 0x00], replaces: "KEYID.SERIAL", preferredChain: nil)
        let sent = refusing.payloads(to: "/order")
        #expect(sent.count == 2)
        #expect(sent[0].contains("replaces") && !sent[1].contains("replaces"))
    }

    @Test("without renewalInfo in the directory, `replaces` is not sent")
    func noReplacesWithoutARI() async throws {
        let transport = ScriptedHTTPTransport(renewalInfo: false)
        validOrder(transport, chain: try someChain())
        let flow = OrderFlow(client: try client(transport), solver: HTTP01WebrootSolver(webroot: URL(fileURLWithPath: "/nonexistent")), progress: { _ in })
        _ = try await flow.obtain(hostnames: ["mx1.example.test"], csrDER: [0x30, 0x00], replaces: "KEYID.SERIAL", preferredChain: nil)
        #expect(transport.payloads(to: "/order").first?.contains("replaces") == false)
    }

    @Test("a badNonce answer is retried with a fresh nonce")
    func badNonceRetried() async throws {
        let transport = ScriptedHTTPTransport()
        let chain = try someChain()
        validOrder(transport, chain: chain)
        let rejected = Atomic<Int>(0)
        let order = #"{"status":"valid","identifiers":[],"authorizations":[],"finalize":"https://ca.test/fin","certificate":"https://ca.test/cert"}"#
        transport.route("POST", "/order") { _ in
            if rejected.add(1, ordering: .relaxed).newValue <= 2 { return self.problem(400, "badNonce", "stale nonce") }
            return HTTPResponse(status: 201, headers: ["location": ["https://ca.test/order/1"]], body: Array(order.utf8))
        }
        let (_, placed) = try await client(transport).newOrder(identifiers: [.dns("mx1.example.test")], replaces: nil)
        #expect(placed.status == "valid")
        #expect(transport.payloads(to: "/order").count == 3)
    }

    @Test("rate limited: the CA's problem is shown whole, with its Retry-After")
    func rateLimited() async throws {
        let transport = ScriptedHTTPTransport()
        transport.route("POST", "/order") { _ in self.problem(429, "rateLimited", "too many certificates already issued for example.test", retryAfter: "3600") }
        let error = await #expect(throws: ACMEError.self) {
            try await client(transport).newOrder(identifiers: [.dns("mx1.example.test")], replaces: nil)
        }
        #expect(error?.problem?.shortType == "rateLimited")
        #expect(error?.message.contains("too many certificates already issued for example.test (retry after 3600)") == true)
    }

    @Test("a directory that is not JSON is named as such")
    func malformedDirectory() async throws {
        let transport = ScriptedHTTPTransport()
        transport.route("GET", "/dir") { _ in HTTPResponse(status: 200, headers: [:], body: Array("<html>maintenance</html>".utf8)) }
        let error = await #expect(throws: ACMEError.self) { try await client(transport).directory() }
        #expect(error?.code == .malformedResponse)
        #expect(error?.message.contains("<html>maintenance") == true)
    }

    @Test("a subproblem per identifier is shown with its identifier")
    func subproblems() async throws {
        let transport = ScriptedHTTPTransport()
        transport.route("POST", "/order") { _ in
            HTTPResponse(status: 400, headers: [:], body: Array(#"{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"some names refused","subproblems":[{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"forbidden by policy","identifier":{"type":"dns","value":"bad.example.test"}}]}"#.utf8))
        }
        let error = await #expect(throws: ACMEError.self) {
            try await client(transport).newOrder(identifiers: [.dns("bad.example.test")], replaces: nil)
        }
        #expect(error?.message.contains("[bad.example.test: rejectedIdentifier: forbidden by policy]") == true)
    }
}
