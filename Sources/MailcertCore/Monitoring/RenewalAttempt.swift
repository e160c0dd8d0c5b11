/// What one `mailcert renew` run decided for one certificate, as the metrics file records it.
public struct RenewalAttempt: Equatable, Sendable {
    /// The label values of `mailcert_renewal_last_result`: lower snake case, as Prometheus label values usually are.
    public enum Result: String, Codable, CaseIterable, Sendable {
        case renewed
        case notDue = "not_due"
        case failed

        /// Renewed and not due are both a renewal that works; only `failed` needs someone.
        public var isSuccess: Bool { self != .failed }
    }

    public var name: String
    public var result: Result

    public init(name: String, result: Result) {
        self.name = name
        self.result = result
    }

    /// The attempt for one entry of a `RenewalBatch` run.
    public init(name: String, outcome: Swift.Result<ACMERenewal.Outcome, Error>) {
        switch outcome {
        case .success(.renewed): self.init(name: name, result: .renewed)
        // A dry run's "would renew" changed nothing; renew does not write metrics for dry runs anyway.
        case .success(.notDue), .success(.wouldRenew): self.init(name: name, result: .notDue)
        case .failure: self.init(name: name, result: .failed)
        }
    }
}
