import ACME
import Foundation
import MailcertCrypto
import MailcertTestSupport
import Testing

/// What CAs add over time must never break the client: unknown directory fields, unknown order fields and
/// challenge types mailcert does not solve (Let's Encrypt's `dns-persist-01`). Scripted, because Debian's Pebble
/// 2.4 sends none of them.
@Suite("Tolerant decoding of what CAs add")
struct TolerantDecodingTests {
    let base = ScriptedHTTPTransport.base

    private func client(_ transport: ScriptedHTTPTransport) throws -> ACMEClient {
        ACMEClient(
            directoryURL: "\(base)/dir", transport: transport, accountKey: try PrivateKey.generate(.ecdsaP256),
            accountURL: "\(base)/acct/1")
    }

    @Test("a directory with fields and meta entries this client does not know decodes, profiles listed")
    func directoryExtras() async throws {
        let transport = ScriptedHTTPTransport(directoryExtras: [
            "newAuthz": "\(base)/new-authz", "someFutureResource": ["url": "\(base)/future", "version": 2],
            "meta": [
                "termsOfService": "\(base)/terms", "website": "https://ca.test", "caaIdentities": ["ca.test"],
                "externalAccountRequired": false,
                "profiles": ["classic": "The same profile you're accustomed to", "shortlived": "Six-day certificates"],
            ],
        ])
        let directory = try await client(transport).directory()
        #expect(directory.newOrder == "\(base)/order")
        #expect(directory.meta?.termsOfService == "\(base)/terms")
        #expect(directory.meta?.profiles?["shortlived"] == "Six-day certificates")
    }

    @Test("a meta entry of an unexpected shape costs only that entry; a profile described by an object is listed")
    func oddMeta() async throws {
        let transport = ScriptedHTTPTransport(directoryExtras: [
            "meta": [
                "termsOfService": ["en": "\(base)/terms"], "externalAccountRequired": "no",
                "profiles": ["tlsserver": "45 days", "x-future": ["description": "an object", "lifetime": 3]],
            ],
        ])
        let profiles = try await client(transport).profiles()
        #expect(profiles == ["tlsserver": "45 days", "x-future": ""])
    }

    @Test("an authorization offering dns-persist-01 and a challenge of unknown shape keeps the challenges it can read")
    func unknownChallengeTypes() async throws {
        let transport = ScriptedHTTPTransport()
        let authorization = """
            {"status":"pending","expires":"2027-01-01T00:00:00Z","identifier":{"type":"dns","value":"mx1.example.test"},
             "challenges":[
              {"type":"dns-persist-01","url":"\(base)/chall/p","status":"pending",
               "issuer-domain-names":["letsencrypt.org"]},
              {"type":"future-02","status":"pending","parameters":{"nested":[1,2,3]}},
              {"type":"http-01","url":"\(base)/chall/h","status":"pending","token":"tok-h"},
              {"type":"dns-01","url":"\(base)/chall/d","status":"pending","token":"tok-d","extra":true}
             ],
             "someFutureField":{"a":1}}
            """
        transport.route("POST", "/authz/1") { _ in
            HTTPResponse(status: 200, headers: [:], body: Array(authorization.utf8))
        }
        let decoded = try await client(transport).authorization("\(base)/authz/1")
        #expect(decoded.challenges.map(\.type) == ["dns-persist-01", "http-01", "dns-01"])
        #expect(decoded.challenges.first { $0.type == "http-01" }?.token == "tok-h")
        #expect(decoded.challenges.first?.token == nil)
    }

    @Test("an order with fields this client does not know decodes, its profile read")
    func orderExtras() async throws {
        let transport = ScriptedHTTPTransport()
        let order = """
            {"status":"valid","identifiers":[{"type":"dns","value":"mx1.example.test"}],"authorizations":[],
             "finalize":"\(base)/fin","certificate":"\(base)/cert","profile":"shortlived",
             "notBefore":"2027-01-01T00:00:00Z","someFutureField":[{"x":1}]}
            """
        transport.route("POST", "/order/1") { _ in HTTPResponse(status: 200, headers: [:], body: Array(order.utf8)) }
        let (decoded, _) = try await client(transport).order("\(base)/order/1")
        #expect(decoded.status == "valid" && decoded.profile == "shortlived")
    }
}
