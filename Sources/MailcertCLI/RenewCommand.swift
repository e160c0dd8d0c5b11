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
            once. A failed renewal leaves that certificate in service untouched and the others go on.

            Every run, due or not, then makes each bound service serve the version in service: a daemon whose \
            last deploy failed, or that is behind a newer version, is deployed again and reloaded; a service not \
            proven serving it is proven again (where 'enable' proved it, or where a running 'mailcert serve' \
            listens). --dry-run says what it would redeploy. Prints one line per certificate (renewed / not due \
            until DATE / failed: reason) and per service it acted on; exit status 1 if a renewal failed or a \
            service is still behind, naming it and why. Every run rewrites STATE/metrics/mailcert.prom (expiry, \
            last renewal result, mailcert_service_stale) for the node exporter's textfile collector.
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

    @Option(name: .customLong("metrics-file"), help: ArgumentHelp(
        "Also write the metrics here (0644), e.g. /var/lib/prometheus/node-exporter/mailcert.prom.", valueName: "path"))
    var metricsFile: String?

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
            var run = RenewalRun(
                names: name.map { [$0] },
                hooks: HookRunner(
                    directory: global.hooksDirectory, systemDirectory: URL(fileURLWithPath: "/etc/mailcert/hooks"),
                    timeout: .milliseconds(Int(hookTimeout * 1000))))
            (run.force, run.concurrency, run.dryRun, run.proofWindow) = (force, concurrency, dryRun, proofWindow)
            (run.pause, run.metricsCopy) = (randomSleep, metricsFile.map { URL(fileURLWithPath: $0) })
            let started = ContinuousClock.now
            let report = try await run.run(
                store: store, transport: ACMEOptionGroup.transport(caBundle:), steps: .live, now: { Date() },
                progress: .stderr)
            if report.certificates.isEmpty && report.services.isEmpty { return }
            if json { try Output.printJSON(report) } else {
                for line in report.certificates.map(\.text) + report.services.compactMap(\.text) { Output.print(line) }
                Output.print(report.summary(dryRun: dryRun, elapsed: ContinuousClock.now - started))
            }
            if report.failed { throw ExitCode.failure }
        }
    }

    /// Off a terminal (cron, a timer without RandomizedDelaySec) a random wait first, so hosts do not all reach the
    /// CA at the same second; never with --force, --dry-run or --no-random-sleep.
    @Sendable private func randomSleep() async throws {
        guard !noRandomSleep, !force, !dryRun, isatty(STDIN_FILENO) == 0 else { return }
        let seconds = Int.random(in: 1...480)
        Output.note("waiting \(seconds) s before renewing (not on a terminal; --no-random-sleep skips this)")
        try await Task.sleep(for: .seconds(seconds))
    }
}
