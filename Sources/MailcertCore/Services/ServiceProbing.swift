import Foundation
import MailcertCheck

/// Connects to a service as a client would and waits until it serves a given leaf: over the wire on a real host
/// (`LiveServiceProbe`), scripted in use-case tests.
public protocol ServiceProbing: Sendable {
    func waitUntilServed(sha256: String, at request: ProbeRequest, within seconds: Double) -> ServedProof.Outcome
}

/// The real probe: STARTTLS or implicit TLS to the service, retried until the deadline (`ServedProof`).
public struct LiveServiceProbe: ServiceProbing {
    public init() {}

    public func waitUntilServed(sha256: String, at request: ProbeRequest, within seconds: Double)
        -> ServedProof.Outcome
    {
        ServedProof.wait(for: sha256, at: request, within: seconds)
    }
}
