import ACME
import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Testing

/// Certificate profiles (draft-ietf-acme-profiles) against the scripted CA: Debian's Pebble 2.4 lists no
/// `meta.profiles`, so the ordering and refusals are shown here; Pebble shows only the "no profiles" answer.
@Suite("Certificate profiles against a scripted CA")
struct ProfileTests {
    let base = ScriptedHTTPTransport.base
    static var offered: [String: Any] { [
        "meta": [
            "profiles": [
                "classic": "The same profile you're accustomed to", "tlsserver": "45-day certificates",
                "shortlived": "Six-day certificates", "x-future": "a profile this client has never heard of",
            ],
        ],
    ] }

    /// One order for mx1.example.test with `profile`, through the whole flow.
    private func obtain(_ transport: ScriptedHTTPTransport, profile: String?) async throws {
        let client = ACMEClient(
            directoryURL: "\(base)/dir", transport: transport, accountKey: try PrivateKey.generate(.ecdsaP256),
            accountURL: "\(base)/acct/1")
        let solver = HTTP01WebrootSolver(webroot: URL(fileURLWithPath: "/nonexistent"))
        _ = try await OrderFlow(client: client, solver: solver, progress: { _ in }).obtain(
            hostnames: ["mx1.example.test"], csrDER: [0x30, 0x00], replaces: nil, preferredChain: nil, profile: profile)
    }

    /// An order that is valid at once, so the flow goes straight to the download.
    private func validOrder(_ transport: ScriptedHTTPTransport) throws {
        let chain = try SelfSignedCertificate.make(
            key: try PrivateKey.generate(.ecdsaP256), hostnames: ["mx1.example.test"], notBefore: .now, days: 1).pem
        let order = #"{"status":"valid","identifiers":[],"authorizations":[],"finalize":"https://ca.test/fin","#
            + #""certificate":"https://ca.test/cert","profile":"shortlived"}"#
        transport.route("POST", "/order") { _ in
            HTTPResponse(status: 201, headers: ["location": ["https://ca.test/order/1"]], body: Array(order.utf8))
        }
        transport.route("POST", "/cert") { _ in HTTPResponse(status: 200, headers: [:], body: Array(chain.utf8)) }
    }

    @Test("newOrder carries the profile the CA offers")
    func orderCarriesProfile() async throws {
        let transport = ScriptedHTTPTransport(directoryExtras: Self.offered)
        try validOrder(transport)
        try await obtain(transport, profile: "shortlived")
        #expect(transport.payloads(to: "/order").first?.contains(#""profile":"shortlived""#) == true)
    }

    @Test("without a profile, none is sent")
    func noProfileSent() async throws {
        let transport = ScriptedHTTPTransport(directoryExtras: Self.offered)
        try validOrder(transport)
        try await obtain(transport, profile: nil)
        #expect(transport.payloads(to: "/order").first?.contains("profile") == false)
    }

    @Test("an unknown profile is refused before any order, listing the offered ones (unknown names included)")
    func unknownProfile() async throws {
        let transport = ScriptedHTTPTransport(directoryExtras: Self.offered)
        try validOrder(transport)
        let error = await #expect(throws: ACMEError.self) {
            try await obtain(transport, profile: "shortlve")
        }
        #expect(error?.code == .unknownProfile)
        let offered = "classic, shortlived, tlsserver, x-future"
        #expect(error?.message.contains("offers no profile 'shortlve'; it offers: \(offered)") == true)
        #expect(transport.payloads(to: "/order").isEmpty)
    }

    @Test("a CA without profiles refuses --profile clearly, before any order")
    func caWithoutProfiles() async throws {
        let transport = ScriptedHTTPTransport()
        try validOrder(transport)
        let error = await #expect(throws: ACMEError.self) {
            try await obtain(transport, profile: "shortlived")
        }
        #expect(error?.message.contains("offers no certificate profiles") == true)
        #expect(transport.payloads(to: "/order").isEmpty)
    }

    @Test("account profiles: the offered names sorted, with descriptions; the check is a Core error naming them")
    func listAndCheck() async throws {
        let transport = ScriptedHTTPTransport(directoryExtras: Self.offered)
        let profiles = ACMEProfiles(directoryURL: "\(base)/dir")
        let listed = try await profiles.list(transport: transport)
        #expect(listed.map(\.name) == ["classic", "shortlived", "tlsserver", "x-future"])
        let text = ACMEProfiles.text(listed, directoryURL: "\(base)/dir")
        #expect(text.contains("shortlived  Six-day certificates"))
        try await profiles.check("tlsserver", transport: transport)
        let error = await #expect(throws: MailcertError.self) {
            try await profiles.check("bogus", transport: transport)
        }
        #expect(error?.code == .badInput)
        #expect(error?.message.contains("it offers: classic, shortlived, tlsserver, x-future; nothing was changed")
            == true)
        let none = try await profiles.list(transport: ScriptedHTTPTransport())
        let noneText = ACMEProfiles.text(none, directoryURL: "\(base)/dir")
        #expect(noneText == "the CA at \(base)/dir lists no certificate profiles")
    }

    @Test("the profile is kept in renewal.json's options, so a renewal orders it again")
    func keptInOptions() throws {
        let options = ACMEOptions(server: "letsencrypt", hostnames: ["mx1.example.test"], profile: "shortlived")
        let decoded = try JSONDecoder().decode(ACMEOptions.self, from: JSONEncoder().encode(options))
        #expect(decoded.profile == "shortlived")
        // renewal.json written before profiles existed still reads, without one.
        let written = #"{"server":"letsencrypt","hostnames":["a.test"],"challenge":"http-01"}"#
        let old = try JSONDecoder().decode(ACMEOptions.self, from: Data(written.utf8))
        #expect(old.profile == nil)
    }
}
