import ACME
import Foundation
import MailcertCore
import Testing

@Suite("Renewal policy")
struct RenewalPolicyTests {
    static let issued = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    private func decide(lifetimeDays: Double, atDay: Double, window: (Double, Double)? = nil, fraction: Double = 0.5) -> RenewalDecision {
        let info = window.map {
            RenewalInfo(suggestedWindow: .init(start: Self.issued.addingTimeInterval($0.0 * Self.day), end: Self.issued.addingTimeInterval($0.1 * Self.day)))
        }
        return RenewalPolicy.decision(
            notBefore: Self.issued, notAfter: Self.issued.addingTimeInterval(lifetimeDays * Self.day), renewalInfo: info,
            now: Self.issued.addingTimeInterval(atDay * Self.day), randomFraction: fraction)
    }

    private func isDue(_ decision: RenewalDecision) -> Bool {
        if case .renewNow = decision { return true }
        return false
    }

    @Test(
        "without ARI: due when a third of the lifetime is left (half under ten days)",
        arguments: [
            (90.0, 59.0, false), (90.0, 60.0, true), (90.0, 89.0, true), (90.0, 91.0, true),
            (6.0, 2.9, false), (6.0, 3.0, true), (365.0, 243.0, false), (365.0, 244.0, true),
        ])
    func lifetimeRule(lifetime: Double, at day: Double, due: Bool) {
        #expect(isDue(decide(lifetimeDays: lifetime, atDay: day)) == due)
    }

    @Test("not due carries the moment it becomes due")
    func notDueUntil() {
        guard case .notDue(let until, let reason) = decide(lifetimeDays: 90, atDay: 10) else {
            Issue.record("a 10-day-old 90-day certificate is not due")
            return
        }
        #expect(until == Self.issued.addingTimeInterval(60 * Self.day))
        #expect(reason.contains("a third"))
    }

    @Test("with ARI the CA's window wins, at the random point chosen inside it")
    func ariWindow() {
        // The lifetime rule would say "due" on day 70; the CA's window (days 80-84) says otherwise.
        #expect(!isDue(decide(lifetimeDays: 90, atDay: 70, window: (80, 84), fraction: 0.5)))
        #expect(!isDue(decide(lifetimeDays: 90, atDay: 81.9, window: (80, 84), fraction: 0.5)))
        #expect(isDue(decide(lifetimeDays: 90, atDay: 82.1, window: (80, 84), fraction: 0.5)))
        // An early window (e.g. a revocation campaign) makes a young certificate due.
        #expect(isDue(decide(lifetimeDays: 90, atDay: 5, window: (1, 2), fraction: 0.9)))
        guard case .notDue(let until, _) = decide(lifetimeDays: 90, atDay: 70, window: (80, 84), fraction: 0.25) else {
            Issue.record("expected not due")
            return
        }
        #expect(until == Self.issued.addingTimeInterval(81 * Self.day))
    }

    @Test("an expired certificate is always due")
    func expired() {
        #expect(isDue(decide(lifetimeDays: 90, atDay: 100, window: (200, 210))))
    }
}
