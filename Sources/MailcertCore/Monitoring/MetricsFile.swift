import Foundation

/// The metrics file (STATE/metrics/mailcert.prom): certificate expiry and renewal health for the node exporter's textfile collector.
///
/// Written after every `mailcert renew`, atomically (temp file, fsync, rename), so the collector never reads half a
/// file. Every series is a gauge labelled with the certificate `name`:
///
/// - `mailcert_certificate_not_after_seconds`: the notAfter of the version in service, Unix seconds; one series per
///   certificate in the store with a version in service (self-signed and CA-imported ones included).
/// - `mailcert_renewal_last_attempt_seconds`: when `renew` last decided on the certificate, Unix seconds.
/// - `mailcert_renewal_last_result{result="renewed|not_due|failed"}`: 1 for the last attempt's result, 0 for the two
///   others, so `mailcert_renewal_last_result{result="failed"} == 1` alerts without caring about absent series.
/// - `mailcert_renewal_last_success_seconds`: the last attempt that did not fail (renewed or not due), Unix seconds;
///   absent until one has succeeded. "Failing for three days" is `time() - this > 3 * 86400`.
///
/// - `mailcert_service_stale{name,service}`: 1 while a bound service does not serve `current` (see `ServiceStatus`);
///   `renew` exits 1 while any is.
///
/// The renewal series exist only for ACME certificates (those with renewal options) that `renew` has decided on.
/// There is no days-left gauge: the file is as old as the last run, so a remaining time computed at write time would
/// be wrong by then; alert on `mailcert_certificate_not_after_seconds - time()` instead.
///
/// What earlier runs recorded is the store's metrics state (`MetricsState`); a run that tried one certificate
/// keeps the others' history. Certificates gone from the store, or no longer ACME ones, are dropped from it.
public enum MetricsFile {
    static let fileName = "mailcert.prom"

    /// Records `attempts` as made at `now`, then rewrites the history and the exposition for every certificate in
    /// `store`, holding the store's lock. Does nothing when the store does not exist (nothing to report, and a run
    /// that changed nothing must not create it). Problems that cost only part of the file (an unreadable version, a
    /// damaged history) go to `progress`; the rest is written. Returns the exposition written, nil when none was.
    @discardableResult
    public static func update(
        store: any CertificateStore, attempts: [RenewalAttempt], now: Date, progress: (String) -> Void = { _ in }
    ) throws -> String? {
        guard store.exists else { return nil }
        return try store.write { writer in
            let names = try writer.names()
            var state: MetricsState
            do { state = try writer.metricsState() } catch {
                progress(
                    "\(writer.location(of: .metricsHistory)) is unreadable (\(error)); earlier renewal history is "
                        + "lost, starting afresh")
                state = MetricsState()
            }
            for attempt in attempts { state.record(attempt, at: now) }
            // Only what renew looks after keeps a history: `renew --name` on a self-signed certificate fails, but
            // must not leave a failure behind that no later run would ever clear.
            state.keep(only: Set(try RenewalBatch.acmeNames(in: writer)))
            let notAfter = Self.notAfter(of: names, in: writer, progress: progress)
            let services = (try? ServiceStatus.all(in: writer)) ?? []
            let exposition = Self.render(notAfter: notAfter, state: state, services: services)
            try writer.saveMetrics(state: state, exposition: exposition)
            return exposition
        }
    }

    /// A copy of the exposition outside the store, where the node exporter's textfile collector reads (Debian:
    /// /var/lib/prometheus/node-exporter/mailcert.prom): 0644 and atomic (its temporary name is hidden and does not
    /// end in .prom), so the collector never reads half a file. The store keeps its own copy as the record.
    public static func writeCopy(_ exposition: String, to file: URL) throws {
        try POSIXFile.writeAtomically(Array(exposition.utf8), to: file, mode: 0o644)
    }

    /// The exposition text for these expiry dates and this history, series sorted by certificate name.
    static func render(notAfter: [String: Date], state: MetricsState, services: [ServiceStatus] = []) -> String {
        let expiring = notAfter.sorted { byteOrder($0.key, $1.key) }
        let tried = state.certificates.sorted { byteOrder($0.key, $1.key) }
        return PrometheusText.render([
            PrometheusText.Family(
                name: "mailcert_certificate_not_after_seconds",
                help: "Expiry (notAfter) of the certificate version in service, in Unix seconds.",
                samples: expiring.map { sample($0.key, seconds($0.value)) }),
            PrometheusText.Family(
                name: "mailcert_renewal_last_attempt_seconds",
                help: "When mailcert renew last decided on the certificate, in Unix seconds.",
                samples: tried.map { sample($0.key, seconds($0.value.lastAttempt)) }),
            PrometheusText.Family(
                name: "mailcert_renewal_last_result",
                help: "Result of the last renewal attempt: 1 for the result it had (renewed, not_due, failed), "
                    + "0 for the others.",
                samples: tried.flatMap { name, entry in
                    RenewalAttempt.Result.allCases.map { sample(name, entry.lastResult == $0 ? 1 : 0, result: $0) }
                }),
            PrometheusText.Family(
                name: "mailcert_renewal_last_success_seconds",
                help: "When a renewal attempt last ended without failure (renewed or not due), in Unix seconds.",
                samples: tried.compactMap { name, entry in entry.lastSuccess.map { sample(name, seconds($0)) } }),
            PrometheusText.Family(
                name: "mailcert_service_stale",
                help: "1 while a bound service does not serve the certificate version in service (its deploy or "
                    + "proof failed, or is still to come), else 0.",
                samples: services.map {
                    PrometheusText.Sample(labels: [("name", $0.name), ("service", $0.service)], value: $0.stale ? 1 : 0)
                }),
        ])
    }

    private static func notAfter(
        of names: [String], in store: any StoreReader, progress: (String) -> Void
    ) -> [String: Date] {
        var result: [String: Date] = [:]
        for name in names {
            do { result[name] = try store.currentVersion(of: name)?.metadata.notAfter } catch {
                progress("certificate '\(name)': \(error); its expiry is left out of \(MetricsFile.fileName)")
            }
        }
        return result
    }

    private static func sample(
        _ name: String, _ value: Int64, result: RenewalAttempt.Result? = nil
    ) -> PrometheusText.Sample {
        PrometheusText.Sample(
            labels: [("name", name)] + (result.map { [("result", $0.rawValue)] } ?? []), value: value)
    }

    private static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }

    private static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
