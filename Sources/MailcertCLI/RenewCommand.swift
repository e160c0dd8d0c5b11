import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert renew [--name NAME] [--force]`: renew the ACME certificates that are due.
struct RenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew ACME certificates that are due (all of them, or --name NAME; now, with --force).",
        discussion: """
            Due means: inside the renewal window the CA suggests (ACME Renewal Information, RFC 9773), at a random \
            moment of it; without one, when a third of the lifetime is left (half, under ten days). Each order \
            repeats the options of 'request --acme' (STATE/certs/NAME/renewal.json) with a new key; several run at \
            once. A failed renewal leaves that certificate in service untouched and the others go on. Prints one \
            line per certificate (renewed / not due until DATE / failed: reason); exit status 1 if any failed. \
            Every run rewrites STATE/metrics/mailcert.prom (expiry and last renewal result per certificate) for \
            the node exporter's textfile collector.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Renew only this certificate.", valueName: "name"))
    var name: String?

    @Flag(help: "Renew now, whether due or not.")
    var force = false

    @Option(help: ArgumentHelp("Orders in flight at once (default 4).", valueName: "n"))
    var concurrency: Int = 4

    @Flag(name: .customLong("dry-run"), help: "Decide only: say what is due; order nothing, run no hook, change nothing.")
    var dryRun = false

    @Flag(
        name: .customLong("no-random-sleep"),
        help: "Do not wait a random 1-480 s first (done only when not on a terminal, to spread load on the CA).")
    var noRandomSleep = false

    @Option(name: .customLong("hook-timeout"), help: "Seconds each hook may run before it is killed (default 120).")
    var hookTimeout: Double = 120

    @Option(name: .customLong("proof-window"), help: "Seconds a bound service gets to serve a renewed certificate (default 30).")
    var proofWindow: Double = 30

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        if let name { _ = try Arguments.certificateName(name) }
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be 1-32") }
        guard hookTimeout > 0, proofWindow > 0 else {
            throw ValidationError("--hook-timeout and --proof-window must be more than 0 seconds")
        }
    }

    func run() async throws {
        try await Output.reportingErrors {
            let store = global.store()
            let names = try name.map { [$0] } ?? RenewalBatch.acmeNames(in: store)
            if names.isEmpty {
                Output.note("no ACME certificates in \(store.paths.root.path); nothing to renew")
                return writeMetrics(store, attempts: [])
            }
            try await randomSleep()
            // One run at a time (a timer and an admin at once), for the whole run; the kernel drops it if we die.
            let runLock = dryRun
                ? nil : try StateLock(paths: store.paths, file: store.paths.renewLock, holderName: "another 'mailcert renew'")
            defer { withExtendedLifetime(runLock) {} }
            let hooks = HookRunner(directory: store.paths.hooks, timeout: .milliseconds(Int(hookTimeout * 1000)))
            let environment = HookEnvironment(name: "", domains: [], certificate: "", key: "", fullchain: "")
            if !dryRun { failedHooks(hooks.run(.pre, environment: environment) { Output.note($0) }) }
            let started = ContinuousClock.now
            let results = await RenewalBatch(names: names, force: force, concurrency: concurrency, dryRun: dryRun)
                .run(store: store, transport: ACMEOptionGroup.transport(caBundle:), now: { Date() }) { Output.note($0) }
            if !dryRun { writeMetrics(store, attempts: results.map { RenewalAttempt(name: $0.name, outcome: $0.result) }) }
            var report = results.map { RenewResult($0.name, $0.result) }
            if !dryRun { putFallbacksInService(&report, store: store) }
            let followUp = RenewalFollowUp(hooks: hooks, proofWindow: proofWindow)
            for index in report.indices where report[index].renewed {
                report[index].followUpProblems = followUp.run(name: report[index].name, store: store) { Output.note($0) }
            }
            if !dryRun && report.contains(where: \.renewed) {
                failedHooks(hooks.run(.post, environment: environment) { Output.note($0) })
            }
            if json { try Output.printJSON(report) } else {
                for line in report { Output.print(line.text) }
                let renewed = report.filter(\.renewed).count
                let failed = report.filter { $0.error != nil }.count
                let elapsed = (ContinuousClock.now - started).formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))
                let due = report.filter(\.wouldRenew).count
                let notDue = report.count - renewed - failed - due
                Output.print(
                    dryRun
                        ? "dry run: \(due) due, \(notDue) not due, \(failed) failed to decide; nothing was changed (\(elapsed))"
                        : "\(renewed) renewed, \(notDue) not due, \(failed) failed (\(elapsed))")
            }
            if report.contains(where: { $0.error != nil || !$0.followUpProblems.isEmpty }) { throw ExitCode.failure }
        }
    }

    /// Off a terminal (cron, a timer without RandomizedDelaySec) a random wait first, so hosts do not all reach the
    /// CA at the same second; never with --force, --dry-run or --no-random-sleep.
    private func randomSleep() async throws {
        guard !noRandomSleep, !force, !dryRun, isatty(STDIN_FILENO) == 0 else { return }
        let seconds = Int.random(in: 1...480)
        Output.note("waiting \(seconds) s before renewing (not on a terminal; --no-random-sleep skips this)")
        try await Task.sleep(for: .seconds(seconds))
    }

    /// A failed renewal whose certificate in service has expired leaves the host with nothing usable: put a
    /// self-signed fallback in service, and say so loudly.
    private func putFallbacksInService(_ report: inout [RenewResult], store: FileCertificateStore) {
        for index in report.indices where report[index].error != nil {
            let name = report[index].name
            do {
                guard let version = try FallbackGuard.ensureUsable(name: name, store: store, now: Date()) else { continue }
                report[index].fallbackVersion = version.number
                Output.warn(
                    "\(name): the renewal failed and the certificate in service had expired: a self-signed fallback "
                        + "(version \(version.number)) is now in service so TLS keeps working; senders that verify "
                        + "will refuse it until the next successful renewal replaces it")
            } catch {
                Output.warn("\(name): cannot put a self-signed fallback in service: \(error)")
            }
        }
    }

    /// Pre and post hooks that fail are reported; they do not fail the renewals themselves.
    private func failedHooks(_ outcomes: [HookOutcome]) {
        for outcome in outcomes where outcome.failed { Output.warn(outcome.message) }
    }

    /// STATE/metrics/mailcert.prom after every run; failing to write it is a warning, never a failed renewal.
    private func writeMetrics(_ store: FileCertificateStore, attempts: [RenewalAttempt]) {
        let metrics = MetricsFile(paths: store.paths)
        do { try metrics.update(store: store, attempts: attempts, now: Date()) { Output.warn($0) } } catch {
            Output.warn("\(error); \(metrics.file.path) keeps the values of the previous run")
        }
    }
}

/// One certificate's line of the renewal report; `--json` prints these objects.
struct RenewResult: Encodable {
    var name: String
    var renewed: Bool
    /// --dry-run: due, but nothing was ordered.
    var wouldRenew = false
    var reason: String?
    var notDueUntil: Date?
    var version: Int?
    var error: String?
    /// The self-signed fallback put in service after this failure, if one was needed.
    var fallbackVersion: Int?
    /// Deploy hooks that failed and services that did not serve the renewed certificate.
    var followUpProblems: [String] = []

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

    var text: String {
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
        return "\(name): not due until \(Output.day(notDueUntil)) (\(reason ?? ""))"
    }
}
