import Foundation
import MailcertCrypto

/// `mailcert renew`: one whole run. Holds the run lock, runs the pre hooks, renews what is due (several orders at
/// once), records the metrics, puts a self-signed fallback in service where a renewal failed over an expired
/// certificate, deploys every renewed version to the daemons bound to it and proves each bound service serves it,
/// runs the post hooks, and reports one result per certificate.
///
/// A failure here never rolls a renewal back: a daemon whose reload failed has its previous files back and keeps
/// serving the old certificate, and the new version stays current in the store for the next run and a human.
public struct RenewalRun: Sendable {
    /// The certificates to consider; nil: every ACME certificate in the store.
    public var names: [String]?
    public var force = false
    public var concurrency = 4
    /// Decide only: order nothing, run no hook, change nothing.
    public var dryRun = false
    /// How long each bound service gets to serve a renewed certificate (its reload takes a moment).
    public var proofWindow: Double = 30
    public var hooks: HookRunner
    /// Awaited once there is something to renew, before the run lock: the CLI's random wait off a terminal.
    public var pause: (@Sendable () async throws -> Void)?

    public init(names: [String]?, hooks: HookRunner) {
        self.names = names
        self.hooks = hooks
    }

    public struct Report: Sendable {
        public var results: [RenewResult]
        /// Whether anything failed: a renewal, a redeploy, a deploy hook or a proof.
        public var failed: Bool { results.contains { $0.error != nil || !$0.followUpProblems.isEmpty } }

        /// The closing line: how many were renewed (or, dry, are due), not due and failed, and how long it took.
        public func summary(dryRun: Bool, elapsed: Duration) -> String {
            let renewed = results.filter(\.renewed).count
            let failed = results.filter { $0.error != nil }.count
            let due = results.filter(\.wouldRenew).count
            let notDue = results.count - renewed - failed - due
            let took = elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))
            return dryRun
                ? "dry run: \(due) due, \(notDue) not due, \(failed) failed to decide; nothing was changed (\(took))"
                : "\(renewed) renewed, \(notDue) not due, \(failed) failed (\(took))"
        }
    }

    public func run(
        store: any CertificateStore, transport: @escaping TransportFactory, steps: DeployAndProve,
        now: @escaping @Sendable () -> Date, progress: Reporter
    ) async throws -> Report {
        let names = try self.names ?? RenewalBatch.acmeNames(in: store)
        guard !names.isEmpty else {
            progress.note("no ACME certificates in \(store.location(of: .store)); nothing to renew")
            writeMetrics(store, attempts: [], now: now(), progress: progress)
            return Report(results: [])
        }
        try await pause?()
        // One run at a time (a timer and an admin at once), for the whole run; released when the run ends.
        let lease = dryRun ? nil : try store.holdRenewalRun()
        defer { withExtendedLifetime(lease) {} }
        let environment = HookEnvironment(name: "", domains: [], certificate: "", key: "", fullchain: "")
        if !dryRun { warnFailed(hooks.run(.pre, environment: environment, progress: progress.note), progress) }
        let outcomes = await RenewalBatch(names: names, force: force, concurrency: concurrency, dryRun: dryRun)
            .run(store: store, transport: transport, now: now, progress: progress.note)
        var results = outcomes.map { RenewResult($0.name, $0.result) }
        if !dryRun {
            writeMetrics(
                store, attempts: outcomes.map { RenewalAttempt(name: $0.name, outcome: $0.result) }, now: now(),
                progress: progress)
            for index in results.indices where results[index].error != nil {
                results[index].fallbackVersion = putFallbackInService(results[index].name, store, now(), progress)
            }
        }
        for index in results.indices where results[index].renewed {
            results[index].followUpProblems = followUp(results[index].name, store: store, steps: steps, progress)
        }
        if !dryRun && results.contains(where: \.renewed) {
            warnFailed(hooks.run(.post, environment: environment, progress: progress.note), progress)
        }
        return Report(results: results)
    }

    /// After a renewal: the new version to every daemon bound to it (as `enable` deployed it), its deploy hooks,
    /// then proof that every bound service serves it where `enable` last proved it. Returns the problems.
    func followUp(_ name: String, store: any CertificateStore, steps: DeployAndProve, _ progress: Reporter)
        -> [String]
    {
        let files = store.servedFiles(of: name)
        let named = Reporter(note: { progress.note("\(name): \($0)") }, warn: progress.warn)
        let deployed: (version: StoredVersion, services: [MailService], failed: [MailService: String])
        do {
            deployed = try store.write { writer in
                guard let version = try writer.currentVersion(of: name) else {
                    throw MailcertError(.notFound, "no version in service to deploy")
                }
                let services = try writer.bindings().services(boundTo: name).compactMap(MailService.init(rawValue:))
                let records = try writer.deployRecords()
                var failed: [MailService: String] = [:]
                for service in services where !service.isBundledListener {
                    guard let settings = records.services[service.rawValue] else {
                        named.note("\(service.rawValue) has no deploy settings in deploy.json; 'mailcert enable' records them")
                        continue
                    }
                    do {
                        try steps.deploy(
                            version, to: service, settings: settings, writer: writer, files: files, progress: named)
                    } catch {
                        failed[service] =
                            "\(name): \(service.rawValue): redeploy of version \(version.number) failed: \(error) "
                            + "(version \(version.number) stays in the store's current/)"
                    }
                }
                return (version, services, failed)
            }
        } catch {
            return ["\(name): not redeployed: \(error)"]
        }
        var problems = deployed.services.compactMap { deployed.failed[$0] }
        let environment = HookEnvironment(
            current: deployed.version, files: files, service: deployed.services.map(\.rawValue).joined(separator: " "))
        for outcome in hooks.run(.deploy, environment: environment, progress: progress.note) where outcome.failed {
            problems.append("\(name): \(outcome.message)")
        }
        let targets = (try? store.proofTargets()) ?? ProofTargets()
        // A daemon whose redeploy failed serves the old certificate by design: proving that would say nothing new.
        for service in deployed.services where deployed.failed[service] == nil {
            guard let target = targets.targets[service.rawValue] else {
                named.note("\(service.rawValue) has no recorded place to prove it ('mailcert enable' records one)")
                continue
            }
            do {
                let proof = try steps.prove(
                    deployed.version, service: service, target: target, serverName: nil, window: proofWindow)
                if proof.proven {
                    named.note("\(service.rawValue) proven: \(proof.target) serves the renewed certificate")
                } else {
                    problems.append(
                        "\(name): \(service.rawValue) at \(proof.target) did not serve the renewed certificate within "
                            + "\(proofWindow) s (last: \(proof.detail)); the new version is in the store's current/")
                }
            } catch {
                problems.append("\(name): \(service.rawValue): cannot prove: \(error)")
            }
        }
        return problems
    }

    /// A failed renewal whose certificate in service has expired leaves the host with nothing usable: a
    /// self-signed fallback goes into service, loudly. Returns its version, or nil when none was needed.
    private func putFallbackInService(
        _ name: String, _ store: any CertificateStore, _ now: Date, _ progress: Reporter
    ) -> Int? {
        do {
            guard let version = try FallbackGuard.ensureUsable(name: name, store: store, now: now) else { return nil }
            progress.warn(
                "\(name): the renewal failed and the certificate in service had expired: a self-signed fallback "
                    + "(version \(version.number)) is now in service so TLS keeps working; senders that verify "
                    + "will refuse it until the next successful renewal replaces it")
            return version.number
        } catch {
            progress.warn("\(name): cannot put a self-signed fallback in service: \(error)")
            return nil
        }
    }

    /// Pre and post hooks that fail are reported; they do not fail the renewals themselves.
    private func warnFailed(_ outcomes: [HookOutcome], _ progress: Reporter) {
        for outcome in outcomes where outcome.failed { progress.warn(outcome.message) }
    }

    /// The metrics after every run; failing to write them is a warning, never a failed renewal.
    private func writeMetrics(
        _ store: any CertificateStore, attempts: [RenewalAttempt], now: Date, progress: Reporter
    ) {
        do { try MetricsFile.update(store: store, attempts: attempts, now: now, progress: progress.warn) } catch {
            progress.warn("\(error); \(store.location(of: .metrics)) keeps the values of the previous run")
        }
    }
}

/// One certificate's line of the renewal report; `renew --json` prints these objects.
public struct RenewResult: Encodable, Sendable {
    public var name: String
    public var renewed: Bool
    /// --dry-run: due, but nothing was ordered.
    public var wouldRenew = false
    public var reason: String?
    public var notDueUntil: Date?
    public var version: Int?
    public var error: String?
    /// The self-signed fallback put in service after this failure, if one was needed.
    public var fallbackVersion: Int?
    /// Deploy hooks that failed and services that did not serve the renewed certificate.
    public var followUpProblems: [String] = []

    init(_ name: String, _ result: Result<ACMERenewal.Outcome, Error>) {
        self.name = name
        renewed = false
        switch result {
        case .success(.renewed(let outcome, let why)):
            renewed = true
            reason = why
            version = outcome.version.number
        case .success(.notDue(let until, let why)):
            reason = why
            notDueUntil = until
        case .success(.wouldRenew(let why)):
            wouldRenew = true
            reason = why
        case .failure(let failure):
            error = "\(failure)"
        }
    }

    /// The line `renew` prints for it.
    public var text: String {
        if let error, let fallbackVersion {
            return "\(name): failed: \(error); self-signed fallback version \(fallbackVersion) in service"
        }
        if let error { return "\(name): failed: \(error)" }
        if renewed && !followUpProblems.isEmpty {
            return "\(name): renewed, version \(version ?? 0) in service (\(reason ?? "")), but: "
                + followUpProblems.joined(separator: "; ")
        }
        if renewed { return "\(name): renewed, version \(version ?? 0) in service (\(reason ?? ""))" }
        if wouldRenew { return "\(name): due, would renew (dry run: nothing ordered, nothing changed) (\(reason ?? ""))" }
        return "\(name): not due until \(notDueUntil.map { DateText.day($0) } ?? "-") (\(reason ?? ""))"
    }
}
