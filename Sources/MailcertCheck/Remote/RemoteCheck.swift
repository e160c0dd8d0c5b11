import MailcertCrypto

/// A remote check: probe the server, then judge what it served with the checks a local certificate gets.
public enum RemoteCheck {
    /// Never throws: a server that cannot be reached or understood is a report with an UNKNOWN (or, when it will
    /// not do TLS, CRITICAL) result, which is what monitoring wants to see.
    public static func run(_ request: ProbeRequest, policy: CheckPolicy) -> CheckReport {
        do {
            let outcome = try TLSProbe.run(request)
            let subject = CertificateUnderCheck(leaf: outcome.chain[0], intermediates: Array(outcome.chain.dropFirst()))
            return CheckReport(
                target: outcome.peer == request.target ? request.target : "\(request.target) (\(outcome.peer))",
                hostnames: policy.hostnames,
                results: outcome.transportResults + CertificateChecks.run(subject, policy: policy),
                served: outcome.served)
        } catch let error as CheckError {
            return CheckReport(
                target: request.target, hostnames: policy.hostnames,
                results: [CheckResult(error.check, error.status, error.message)])
        } catch {
            return CheckReport(
                target: request.target, hostnames: policy.hostnames,
                results: [CheckResult("connect", .unknown, "\(error)")])
        }
    }
}
