import Foundation

/// The part of every `renew` run that makes each bound service serve `current`, renewal due or not: a daemon whose
/// recorded version is behind is deployed again, and a service not proven serving `current` (or whose last deploy or
/// proof failed) is proven again. A reload that failed once is therefore retried by the next run, timer or by hand,
/// instead of leaving the daemon on the old certificate until it expires.
struct Convergence {
    /// Only services bound to these certificates; nil: every bound service.
    var names: Set<String>?
    /// The certificates this run renewed: their proofs speak of "the renewed certificate".
    var renewed: Set<String>
    var dryRun: Bool
    var proofWindow: Double
    var isRunning: (Int32) -> Bool = ListenerEndpoints.processRuns

    func run(store: any CertificateStore, steps: DeployAndProve, progress: Reporter) -> [ServiceOutcome] {
        let bindings: Bindings
        do { bindings = try store.bindings() } catch {
            progress.warn("\(error); no bound service was checked or redeployed")
            return []
        }
        guard let places = try? ProofPlaces(store: store, isRunning: isRunning) else { return [] }
        return bindings.services.sorted { $0.key < $1.key }.compactMap { serviceName, name in
            guard let service = MailService(rawValue: serviceName), names?.contains(name) ?? true else { return nil }
            let target = places.target(for: service) { progress.note("\(name): \(serviceName): \($0)") }
            return converge(service, name: name, target: target, store: store, steps: steps, progress: progress)
        }
    }

    private func converge(
        _ service: MailService, name: String, target: String?, store: any CertificateStore, steps: DeployAndProve,
        progress: Reporter
    ) -> ServiceOutcome? {
        guard let current = try? store.currentVersion(of: name) else { return nil }
        let record: DeployRecord?
        do { record = try store.deployRecords().services[service.rawValue] } catch {
            return ServiceOutcome(service: service.rawValue, name: name, version: current.number, target: target)
                .failing("\(error); not redeployed")
        }
        let status = ServiceStatus.of(service, name: name, current: current.number, record: record, target: target)
        var outcome = ServiceOutcome(service: service.rawValue, name: name, version: current.number, target: target)
        guard status.stale else { return outcome }
        let deploy = !service.isBundledListener && status.deployed != current.number
        if !service.isBundledListener, record?.settings == nil {
            return outcome.failing(status.reason ?? "no deploy settings")
        }
        if dryRun {
            outcome.action = .wouldUpdate
            outcome.detail = deploy
                ? "would redeploy version \(current.number) (\(status.reason ?? "behind"))"
                : "would prove version \(current.number) at \(target ?? "-") (\(status.reason ?? "not proven"))"
            return outcome
        }
        var version = current
        if deploy, let settings = record?.settings {
            do {
                version = try store.write { writer in
                    // Read again under the lock: a renewal may have landed since.
                    let version = try writer.currentVersion(of: name) ?? current
                    try steps.deploy(
                        version, to: service, settings: settings, writer: writer, files: store.servedFiles(of: name),
                        progress: Reporter(note: { progress.note("\(name): \($0)") }, warn: progress.warn))
                    return version
                }
                outcome.version = version.number
                outcome.action = .redeployed
            } catch {
                let problem =
                    "\(name): \(service.rawValue): redeploy of version \(current.number) failed: \(error) "
                    + "(version \(current.number) stays in the store's current/)"
                try? store.write { writer in
                    try DeployAndProve.update(service, in: writer) { $0.problem = "redeploy of version \(current.number) failed" }
                }
                return outcome.failing(problem)
            }
        }
        guard let target else { return outcome }
        return prove(version, service: service, target: target, outcome: outcome, store: store, steps: steps, progress)
    }

    private func prove(
        _ version: StoredVersion, service: MailService, target: String, outcome: ServiceOutcome,
        store: any CertificateStore, steps: DeployAndProve, _ progress: Reporter
    ) -> ServiceOutcome {
        var outcome = outcome
        let name = version.name
        let what = renewed.contains(name) ? "the renewed certificate" : "version \(version.number)"
        let proof: DeployAndProve.Proof
        do {
            proof = try steps.prove(version, service: service, target: target, serverName: nil, window: proofWindow)
            try store.write { writer in try DeployAndProve.record(proof, of: name, in: writer) }
        } catch {
            return outcome.failing("\(name): \(service.rawValue): cannot prove: \(error)")
        }
        guard proof.proven else {
            return outcome.failing(
                "\(name): \(service.rawValue) at \(proof.target) did not serve \(what) within \(proofWindow) s (last: "
                    + "\(proof.detail)); the new version is in the store's current/")
        }
        progress.note("\(name): \(service.rawValue) proven: \(proof.target) serves \(what)")
        if outcome.action == .upToDate { outcome.action = .proven }
        return outcome
    }
}

/// What a renewal run did for one bound service; `renew --json` prints these under "services".
public struct ServiceOutcome: Codable, Equatable, Sendable {
    public enum Action: String, Codable, Sendable {
        case upToDate = "up-to-date"
        case redeployed
        case proven
        /// --dry-run: behind, and what would be done.
        case wouldUpdate = "would-update"
        /// Still stale: `detail` says why.
        case failed
    }

    public var service: String
    public var name: String
    public var version: Int
    public var target: String?
    public var action = Action.upToDate
    public var detail: String?

    init(service: String, name: String, version: Int, target: String?) {
        self.service = service
        self.name = name
        self.version = version
        self.target = target
    }

    func failing(_ reason: String) -> ServiceOutcome {
        var outcome = self
        (outcome.action, outcome.detail) = (.failed, reason)
        return outcome
    }

    /// The line `renew` prints for it; nil when there is nothing to say (up to date).
    public var text: String? {
        switch action {
        case .upToDate: nil
        case .redeployed: "\(name): \(service): redeployed version \(version)" + (target.map { ", proven at \($0)" } ?? "")
        case .proven: "\(name): \(service): proven serving version \(version) at \(target ?? "-")"
        case .wouldUpdate: "\(name): \(service): \(detail ?? "behind") (dry run: nothing changed)"
        case .failed: detail.map { $0.hasPrefix("\(name): ") ? $0 : "\(name): \(service): \($0)" }
        }
    }
}
