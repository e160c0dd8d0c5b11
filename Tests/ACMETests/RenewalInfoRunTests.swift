import ACME
import Foundation
import MailcertCore
import MailcertCrypto
import MailcertTestSupport
import Synchronization
import Testing

/// A renewal run's use of ARI and profiles against the scripted CA (Debian's Pebble 2.4 offers neither renewalInfo
/// nor profiles), with an in-memory store and an injected clock.
@Suite("Renewal runs: kept ARI answers, Retry-After, profiles")
struct RenewalInfoRunTests {
    static let day: TimeInterval = 86_400
    let ca: TestCA

    init() throws { ca = try TestCA() }

    /// A store holding `mx1`, CA-signed for 90 days, obtained over ACME from the scripted CA.
    private func store(profile: String? = nil) throws -> (InMemoryCertificateStore, Certificate) {
        let key = try PrivateKey.generate(.ecdsaP256)
        let csr = try CertificateSigningRequest(key: key, hostnames: ["mx1.example.test"])
        let leaf = try Certificate.parseAll(Array(try ca.sign(csrPEM: csr.pem).utf8))[0]
        let store = InMemoryCertificateStore()
        let options = ACMEOptions(
            server: "\(ScriptedHTTPTransport.base)/dir", hostnames: ["mx1.example.test"],
            webroot: NSTemporaryDirectory(), profile: profile)
        try store.write { writer in
            _ = try writer.addVersion(
                name: "mx1", key: key, certificate: leaf, chain: [], source: .acme, now: leaf.notValidBefore)
            try writer.saveRenewalOptions(name: "mx1", options: options)
        }
        return (store, leaf)
    }

    private func ariAnswer(_ leaf: Certificate, window: (Double, Double), retryAfter: String?, explanation: String?)
        -> HTTPResponse
    {
        let start = DateText.instant(leaf.notValidBefore.addingTimeInterval(window.0 * Self.day))
        let end = DateText.instant(leaf.notValidBefore.addingTimeInterval(window.1 * Self.day))
        let explained = explanation.map { #","explanationURL":"\#($0)""# } ?? ""
        return HTTPResponse(
            status: 200, headers: retryAfter.map { ["retry-after": [$0]] } ?? [:],
            body: Array(#"{"suggestedWindow":{"start":"\#(start)","end":"\#(end)"}\#(explained)}"#.utf8))
    }

    private func renew(
        _ store: InMemoryCertificateStore, _ transport: ScriptedHTTPTransport, at now: Date, dryRun: Bool = false,
        force: Bool = false, lines: Lines = Lines()
    ) async throws -> ACMERenewal.Outcome {
        var renewal = ACMERenewal(name: "mx1", force: force, randomFraction: 0.5)
        renewal.dryRun = dryRun
        return try await renewal.run(store: store, transport: { _ in transport }, now: { now }) { line in
            lines.add(line)
        }
    }

    private func ariRequests(_ transport: ScriptedHTTPTransport) -> Int {
        transport.requests.filter { $0.method == "GET" && $0.url.contains("/ari/") }.count
    }

    @Test("the CA is not asked again before its Retry-After: the kept window decides; its explanationURL is shown")
    func retryAfterHonoured() async throws {
        let (store, leaf) = try store()
        let transport = ScriptedHTTPTransport(renewalInfo: true)
        transport.route("GET", "/ari/*") { _ in
            self.ariAnswer(leaf, window: (60, 62), retryAfter: "21600", explanation: "https://ca.test/why")
        }
        let first = leaf.notValidBefore.addingTimeInterval(10 * Self.day)
        let lines = Lines()
        guard case .notDue(let until, _) = try await renew(store, transport, at: first, lines: lines) else {
            Issue.record("a 10-day-old certificate with a window at day 60 is not due")
            return
        }
        #expect(until == leaf.notValidBefore.addingTimeInterval(61 * Self.day))
        #expect(ariRequests(transport) == 1)
        let kept = try #require(try store.renewalInfo(of: "mx1"))
        #expect(kept.certificateID == leaf.ariIdentifier)
        #expect(kept.retryAfter == first.addingTimeInterval(21_600))
        #expect(kept.explanationURL == "https://ca.test/why")
        #expect(lines.all.contains { $0.contains("the CA explains its renewal window at https://ca.test/why") })

        // An hour later: inside Retry-After, the kept window is used and the CA is not asked.
        guard case .notDue = try await renew(store, transport, at: first.addingTimeInterval(3_600)) else {
            Issue.record("still not due an hour later")
            return
        }
        #expect(ariRequests(transport) == 1)
        // Past Retry-After, the CA is asked again.
        _ = try await renew(store, transport, at: first.addingTimeInterval(21_601))
        #expect(ariRequests(transport) == 2)
    }

    @Test("a kept window past Retry-After is still used when the CA cannot answer; a dry run keeps nothing")
    func keptWindowOnFailure() async throws {
        let (store, leaf) = try store()
        let transport = ScriptedHTTPTransport(renewalInfo: true)
        transport.route("GET", "/ari/*") { _ in
            self.ariAnswer(leaf, window: (1, 2), retryAfter: "60", explanation: nil)
        }
        let now = leaf.notValidBefore.addingTimeInterval(5 * Self.day)
        // The window (days 1-2) has passed: due at once, though the lifetime rule says day 60.
        guard case .wouldRenew(let reason) = try await renew(store, transport, at: now, dryRun: true) else {
            Issue.record("a passed ARI window renews at once")
            return
        }
        #expect(reason.contains("window ended"))
        #expect(try store.renewalInfo(of: "mx1") == nil)
        _ = try await renew(store, transport, at: now.addingTimeInterval(-4 * Self.day))
        #expect(try store.renewalInfo(of: "mx1") != nil)
        transport.route("GET", "/ari/*") { _ in HTTPResponse(status: 503, headers: [:], body: []) }
        let lines = Lines()
        guard case .wouldRenew = try await renew(store, transport, at: now, dryRun: true, lines: lines) else {
            Issue.record("the kept window decides when the CA cannot answer")
            return
        }
        #expect(lines.all.contains { $0.contains("using the window it gave on") })
    }

    @Test("list: renews from the kept window's start, else the lifetime rule; the profile is shown")
    func inventoryRenewsFrom() throws {
        let (store, leaf) = try store(profile: "tlsserver")
        let now = leaf.notValidBefore.addingTimeInterval(Self.day)
        let plain = try #require(try Inventory.entry(name: "mx1", store: store, now: now))
        let lifetime = leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore)
        #expect(plain.renewsFrom == leaf.notValidAfter.addingTimeInterval(-lifetime / 3))
        #expect(plain.profile == "tlsserver")
        let start = leaf.notValidBefore.addingTimeInterval(50 * Self.day)
        let window = RenewalInfo.Window(start: start, end: start.addingTimeInterval(2 * Self.day))
        try store.write { writer in
            try writer.saveRenewalInfo(name: "mx1", info: StoredRenewalInfo(
                certificateID: try #require(leaf.ariIdentifier), suggestedWindow: window, explanationURL: nil,
                retryAfter: nil, fetched: now))
        }
        #expect(try Inventory.entry(name: "mx1", store: store, now: now)?.renewsFrom == start)
        #expect(InventoryTable.long([try #require(try Inventory.entry(name: "mx1", store: store, now: now))])
            .contains("profile    : tlsserver"))
        // A window kept for another certificate (the predecessor) says nothing of this one.
        try store.write { writer in
            try writer.saveRenewalInfo(name: "mx1", info: StoredRenewalInfo(
                certificateID: "other.01", suggestedWindow: window, explanationURL: nil, retryAfter: nil, fetched: now))
        }
        #expect(try Inventory.entry(name: "mx1", store: store, now: now)?.renewsFrom == plain.renewsFrom)
    }

    @Test("a renewal orders the profile kept in renewal.json")
    func renewalKeepsProfile() async throws {
        let (store, _) = try store(profile: "shortlived")
        let transport = ScriptedHTTPTransport(directoryExtras: ["meta": ["profiles": ["shortlived": "Six days"]]])
        let order = #"{"status":"ready","identifiers":[],"authorizations":[],"finalize":"https://ca.test/fin"}"#
        transport.route("POST", "/order") { _ in
            HTTPResponse(status: 201, headers: ["location": ["https://ca.test/order/1"]], body: Array(order.utf8))
        }
        let issued = Mutex<String>("")
        let ca = self.ca
        transport.route("POST", "/fin") { request in
            // Sign the CSR the client sent, as a CA would.
            let payload = transport.payloads(to: "/fin").last ?? ""
            let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: String]
            let der = object?["csr"].flatMap(Base64URL.decode) ?? []
            let pem = "-----BEGIN CERTIFICATE REQUEST-----\n"
                + Data(der).base64EncodedString(options: .lineLength64Characters)
                + "\n-----END CERTIFICATE REQUEST-----\n"
            issued.withLock { $0 = ((try? ca.sign(csrPEM: pem)) ?? "") + ca.intermediatePEM }
            let valid = #"{"status":"valid","identifiers":[],"authorizations":[],"finalize":"https://ca.test/fin","#
                + #""certificate":"https://ca.test/cert"}"#
            return HTTPResponse(status: 200, headers: [:], body: Array(valid.utf8))
        }
        transport.route("POST", "/cert") { _ in
            HTTPResponse(status: 200, headers: [:], body: Array(issued.withLock { $0 }.utf8))
        }
        guard case .renewed(let outcome, _) = try await renew(store, transport, at: Date(), force: true) else {
            Issue.record("a forced renewal renews")
            return
        }
        #expect(outcome.version.number == 2)
        #expect(transport.payloads(to: "/order").first?.contains(#""profile":"shortlived""#) == true)
        #expect(try store.renewalOptions(of: "mx1")?.profile == "shortlived")
    }
}

/// The progress lines of a run.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
