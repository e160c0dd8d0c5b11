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

    /// 160 hours, in days.
    static let shortLived: Double = 160.0 / 24
    static let shortCases: [(Double, Double, Bool)] = [
        (shortLived, 79.0 / 24, false), (shortLived, 80.0 / 24, true), (45, 29.9, false), (45, 30, true),
        (90, 59.9, false), (90, 60, true),
    ]
    static let windowCases: [(Double, Double, Double)] = [(shortLived, 3.5, 4), (45, 28, 30), (90, 58, 61)]

    @Test(
        "short lifetimes: a 160-hour certificate renews with 80 hours left, a 45-day one with 15, a 90-day one with 30",
        arguments: shortCases)
    func shortLifetimes(lifetime: Double, at day: Double, due: Bool) {
        #expect(isDue(decide(lifetimeDays: lifetime, atDay: day)) == due)
        let renewsFrom = RenewalPolicy.renewsFrom(
            notBefore: Self.issued, notAfter: Self.issued.addingTimeInterval(lifetime * Self.day), renewalInfo: nil)
        let share = lifetime < 10 ? 0.5 : 2.0 / 3
        #expect(abs(renewsFrom.timeIntervalSince(Self.issued) - lifetime * Self.day * share) < 1)
    }

    @Test(
        "with ARI, for 160-hour, 45-day and 90-day certificates: the window decides, from its start",
        arguments: windowCases)
    func ariForEachLifetime(lifetime: Double, start: Double, end: Double) {
        #expect(!isDue(decide(lifetimeDays: lifetime, atDay: start - 0.01, window: (start, end), fraction: 0)))
        #expect(isDue(decide(lifetimeDays: lifetime, atDay: start, window: (start, end), fraction: 0)))
        #expect(isDue(decide(lifetimeDays: lifetime, atDay: end - 0.0001, window: (start, end), fraction: 0.999)))
        let window = RenewalInfo.Window(
            start: Self.issued.addingTimeInterval(start * Self.day), end: Self.issued.addingTimeInterval(end * Self.day))
        let info = RenewalInfo(suggestedWindow: window)
        let renewsFrom = RenewalPolicy.renewsFrom(
            notBefore: Self.issued, notAfter: Self.issued.addingTimeInterval(lifetime * Self.day), renewalInfo: info)
        #expect(renewsFrom == Self.issued.addingTimeInterval(start * Self.day))
    }

    @Test("an ARI window already in the past renews at once, whatever point was picked inside it")
    func pastWindow() {
        guard case .renewNow(let reason) = decide(lifetimeDays: 90, atDay: 10, window: (3, 4), fraction: 0.999) else {
            Issue.record("a passed window is due")
            return
        }
        #expect(reason.contains("window ended"))
    }

    @Test("Retry-After: a kept answer holds the CA off until then, and not after; none given, it never does")
    func retryAfter() {
        let now = Self.issued
        let window = RenewalInfo.Window(start: now, end: now.addingTimeInterval(Self.day))
        let kept = StoredRenewalInfo(
            certificateID: "a.b", suggestedWindow: window, explanationURL: nil,
            retryAfter: RetryAfter.date("21600", now: now), fetched: now)
        #expect(kept.holdsOff(at: now.addingTimeInterval(21_599)))
        #expect(!kept.holdsOff(at: now.addingTimeInterval(21_600)))
        var unbounded = kept
        unbounded.retryAfter = nil
        #expect(!unbounded.holdsOff(at: now))
        let httpDate = RetryAfter.date("Wed, 21 Oct 2026 07:28:00 GMT", now: now)
        #expect(httpDate == ISO8601DateFormatter().date(from: "2026-10-21T07:28:00Z"))
        #expect(RetryAfter.date("soon", now: now) == nil)
    }
}
