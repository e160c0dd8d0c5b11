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

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        if let name { _ = try Arguments.certificateName(name) }
        guard (1...32).contains(concurrency) else { throw ValidationError("--concurrency must be 1-32") }
    }

    func run() async throws {
        try await Output.reportingErrors {
            let store = global.store()
            let names = try name.map { [$0] } ?? RenewalBatch.acmeNames(in: store)
            if names.isEmpty {
                Output.note("no ACME certificates in \(store.paths.root.path); nothing to renew")
                return writeMetrics(store, attempts: [])
            }
            let started = ContinuousClock.now
            let results = await RenewalBatch(names: names, force: force, concurrency: concurrency)
                .run(store: store, transport: ACMEOptionGroup.transport(caBundle:), now: { Date() }) { Output.note($0) }
            writeMetrics(store, attempts: results.map { RenewalAttempt(name: $0.name, outcome: $0.result) })
            let report = results.map { RenewResult($0.name, $0.result) }
            if json { try Output.printJSON(report) } else {
                for line in report { Output.print(line.text) }
                let renewed = report.filter(\.renewed).count
                let failed = report.filter { $0.error != nil }.count
                let elapsed = (ContinuousClock.now - started).formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))
                Output.print("\(renewed) renewed, \(report.count - renewed - failed) not due, \(failed) failed (\(elapsed))")
            }
            if report.contains(where: { $0.error != nil }) { throw ExitCode.failure }
        }
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
        if let error { return "\(name): failed: \(error)" }
        if renewed { return "\(name): renewed, version \(version ?? 0) in service (\(reason ?? ""))" }
        if wouldRenew { return "\(name): due, would renew (dry run: nothing ordered, nothing changed) (\(reason ?? ""))" }
        return "\(name): not due until \(Output.day(notDueUntil)) (\(reason ?? ""))"
    }
}
