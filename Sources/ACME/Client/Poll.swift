import Foundation

/// Paces polling of a CA resource: the server's Retry-After when it gives one (capped at a minute), else a short
/// delay that doubles from `firstDelay` to 2 s, within an overall deadline.
struct Poll {
    private let clock = ContinuousClock()
    private let end: ContinuousClock.Instant
    private let deadline: Duration
    private var delay: Duration

    /// Long enough that a CA validating or signing at its usual speed is done at the first look, short enough not
    /// to make a fast CA wait.
    static let firstDelay: Duration = .milliseconds(20)

    init(deadline: Duration, firstDelay: Duration = Poll.firstDelay) {
        self.deadline = deadline
        self.delay = firstDelay
        end = clock.now.advanced(by: deadline)
    }

    mutating func wait(what: String, retryAfter: String?) async throws {
        let pause = Self.retryAfter(retryAfter) ?? delay
        delay = min(delay * 2, .seconds(2))
        guard clock.now.advanced(by: pause) < end else {
            throw ACMEError(.timedOut, "gave up waiting for \(what) after \(deadline)")
        }
        try await Task.sleep(for: pause)
    }

    /// Retry-After as delta-seconds or an HTTP date (RFC 9110 section 10.2.3), capped at 60 s.
    static func retryAfter(_ value: String?) -> Duration? {
        let now = Date()
        return RetryAfter.date(value, now: now).map { .seconds(min(max($0.timeIntervalSince(now), 0), 60)) }
    }
}

/// What usually causes a failed validation, said next to the CA's own detail.
enum ValidationHint {
    static func text(problem: Problem?, hostname: String, challenge: String) -> String {
        switch (problem?.shortType, challenge) {
        case ("connection", "http-01"):
            return "; likely cause: the CA could not reach port 80 of \(hostname) (DNS pointing elsewhere, a firewall, or nothing listening)"
        case ("unauthorized", "http-01"), ("incorrectResponse", "http-01"):
            return "; likely cause: another web server answered for \(hostname) on port 80 (use --webroot with it)"
        case ("unauthorized", "dns-01"), ("incorrectResponse", "dns-01"):
            return "; likely cause: the TXT record _acme-challenge.\(hostname) was missing or not yet visible to the CA's resolvers"
        case ("dns", _):
            return "; likely cause: the CA could not resolve \(hostname)"
        case ("caa", _):
            return "; likely cause: a CAA record of \(hostname) does not allow this CA"
        default:
            return ""
        }
    }
}
