import Foundation

/// The renewal history the metrics file is rendered from, one entry per certificate.
///
/// Kept as JSON beside the `.prom` file rather than parsed back out of it: the exposition format is an output for
/// Prometheus, free to gain metrics and change formatting, while this file is a stable input with dates that need
/// no parser of our own. A run that renews one certificate must still report when the others were last tried.
public struct MetricsState: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var lastAttempt: Date
        public var lastResult: RenewalAttempt.Result
        /// The last attempt that did not fail; nil when every attempt so far failed.
        public var lastSuccess: Date?
    }

    public var certificates: [String: Entry] = [:]

    public init(certificates: [String: Entry] = [:]) { self.certificates = certificates }

    mutating func record(_ attempt: RenewalAttempt, at now: Date) {
        let previousSuccess = certificates[attempt.name]?.lastSuccess
        certificates[attempt.name] = Entry(
            lastAttempt: now, lastResult: attempt.result, lastSuccess: attempt.result.isSuccess ? now : previousSuccess)
    }

    /// Forgets certificates that are no longer in the store, so a deleted one stops being reported.
    mutating func keep(only names: Set<String>) {
        certificates = certificates.filter { names.contains($0.key) }
    }
}
