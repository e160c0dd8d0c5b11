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
    /// Where the metrics are also written for the node exporter (`--metrics-file`); nil: only the store's copy.
    public var metricsCopy: URL?
    /// Awaited once there is something to renew, before the run lock: the CLI's random wait off a terminal.
    public var pause: (@Sendable () async throws -> Void)?

    public init(names: [String]?, hooks: HookRunner) {
        self.names = names
        self.hooks = hooks
    }

    public struct Report: Encodable, Sendable {
        public var certificates: [RenewResult]
        /// Every bound service, and what this run did to make it serve `current`.
        public var services: [ServiceOutcome] = []
        /// Whether anything failed: a renewal, a deploy hook, or a service still behind `current`.
        public var failed: Bool {
            certificates.contains { $0.error != nil || !$0.followUpProblems.isEmpty }
                || services.contains { $0.action == .failed }
        }

        /// The closing line: how many were renewed (or, dry, are due), not due and failed, and how long it took.
        public func summary(dryRun: Bool, elapsed: Duration) -> String {
            let renewed = certificates.filter(\.renewed).count
            let failed = certificates.filter { $0.error != nil }.count
            let due = certificates.filter(\.wouldRenew).count
            let notDue = certificates.count - renewed - failed - due
            let stale = services.filter { $0.action == .failed || $0.action == .wouldUpdate }.count
            let services = self.services.isEmpty ? "" : "; \(self.services.count) services, \(stale) behind"
            let took = elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))
            return dryRun
                ? "dry run: \(due) due, \(notDue) not due, \(failed) failed to decide\(services); nothing was changed (\(took))"
                : "\(renewed) renewed, \(notDue) not due, \(failed) failed\(services) (\(took))"
        }
    }

    public func run(
        store: any CertificateStore, transport: @escaping TransportFactory, steps: DeployAndProve,
        now: @escaping @Sendable () -> Date, progress: Reporter
    ) async throws -> Report {
        let names = try self.names ?? RenewalBatch.acmeNames(in: store)
        if names.isEmpty { progress.note("no ACME certificates in \(store.location(of: .store)); nothing to renew") }
        // A damaged bindings.json counts as bindings: convergence then says what is wrong, and renewals still run.
        let nothingBound = (try? store.bindings().services.isEmpty) ?? false
        guard !names.isEmpty || !nothingBound else {
            writeMetrics(store, attempts: [], now: now(), progress: progress)
            return Report(certificates: [])
        }
        if !names.isEmpty { try await pause?() }
        // One run at a time (a timer and an admin at once), for the whole run; released when the run ends.
        let lease = dryRun ? nil : try store.holdRenewalRun()
        defer { withExtendedLifetime(lease) {} }
        let environment = HookEnvironment(name: "", domains: [], certificate: "", key: "", fullchain: "")
        var results: [RenewResult] = []
        var attempts: [RenewalAttempt] = []
        if !names.isEmpty {
            if !dryRun { warnFailed(hooks.run(.pre, environment: environment, progress: progress.note), progress) }
            let outcomes = await RenewalBatch(names: names, force: force, concurrency: concurrency, dryRun: dryRun)
                .run(store: store, transport: transport, now: now, progress: progress.note)
            results = outcomes.map { RenewResult($0.name, $0.result) }
            attempts = outcomes.map { RenewalAttempt(name: $0.name, outcome: $0.result) }
        }
        if !dryRun {
            for index in results.indices where results[index].error != nil {
                results[index].fallbackVersion = putFallbackInService(results[index].name, store, now(), progress)
            }
        }
        let renewed = Set(results.filter(\.renewed).map(\.name))
        let services = Convergence(
            names: self.names.map(Set.init), renewed: renewed, dryRun: dryRun, proofWindow: proofWindow
        ).run(store: store, steps: steps, progress: progress)
        for index in results.indices where results[index].renewed {
            results[index].followUpProblems = deployHooks(results[index].name, store: store, progress)
        }
        if !dryRun { writeMetrics(store, attempts: attempts, now: now(), progress: progress) }
        if !dryRun && !renewed.isEmpty {
            warnFailed(hooks.run(.post, environment: environment, progress: progress.note), progress)
        }
        return Report(certificates: results, services: services)
    }

    /// The deploy hooks of a renewed certificate, with the contract for its version in service; their failures.
    func deployHooks(_ name: String, store: any CertificateStore, _ progress: Reporter) -> [String] {
        guard let version = try? store.currentVersion(of: name) else { return [] }
        let services = ((try? store.bindings()) ?? Bindings()).services(boundTo: name)
        let environment = HookEnvironment(
            current: version, files: store.servedFiles(of: name), service: services.joined(separator: " "))
        return hooks.run(.deploy, environment: environment, progress: progress.note).filter(\.failed).map {
            "\(name): \($0.message)"
        }
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
        let exposition: String?
        do { exposition = try MetricsFile.update(store: store, attempts: attempts, now: now, progress: progress.warn) }
        catch {
            return progress.warn("\(error); \(store.location(of: .metrics)) keeps the values of the previous run")
        }
        guard let metricsCopy, let exposition else { return }
        do { try MetricsFile.writeCopy(exposition, to: metricsCopy) } catch {
            progress.warn("\(error); \(metricsCopy.path) keeps the values of the previous run")
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
