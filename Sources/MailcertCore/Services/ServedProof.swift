import Foundation
import MailcertCheck

/// Proof that a service serves the bound certificate: connect as a client would (STARTTLS or implicit TLS), compare
/// the served leaf's SHA-256 with the expected one, and retry for a bounded time, since a daemon's reload (or the
/// listener's) takes a moment.
public enum ServedProof {
    public enum Outcome: Sendable, Equatable {
        /// The expected leaf was served, after this many attempts.
        case proven(attempts: Int)
        /// Something else, or nothing, was served until the deadline; the last thing seen, in words.
        case failed(lastSeen: String)
    }

    /// `sleep` is injected so tests of the policy need not wait; the CLI passes a real sleep.
    public static func wait(
        for expectedSHA256: String, at request: ProbeRequest, within seconds: Double, pause: Double = 0.2,
        sleep: (Double) -> Void = { usleep(useconds_t($0 * 1_000_000)) }
    ) -> Outcome {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var attempts = 0
        var lastSeen = "nothing"
        repeat {
            attempts += 1
            do {
                let outcome = try TLSProbe.run(request)
                let served = outcome.chain.first?.sha256Thumbprint ?? "no certificate"
                if served == expectedSHA256 { return .proven(attempts: attempts) }
                lastSeen = "\(outcome.peer) served \(served)"
            } catch {
                lastSeen = "\(request.target): \(error)"
            }
            if ContinuousClock.now + .milliseconds(Int(pause * 1000)) >= deadline { break }
            sleep(pause)
        } while ContinuousClock.now < deadline
        return .failed(lastSeen: lastSeen)
    }
}
