import Foundation

/// `mailcert renew` over many certificates: each one decided and renewed on its own, several orders at a time, so
/// one slow or failing CA answer never holds up or fails the others.
public struct RenewalBatch: Sendable {
    public var names: [String]
    public var force: Bool
    /// Orders in flight at once: enough to hide CA round trips, few enough to stay polite to the CA.
    public var concurrency: Int
    /// Decide only: no order, nothing in service touched.
    public var dryRun: Bool

    public init(names: [String], force: Bool, concurrency: Int = 4, dryRun: Bool = false) {
        self.names = names
        self.force = force
        self.concurrency = max(1, concurrency)
        self.dryRun = dryRun
    }

    /// The certificates in the store that were obtained over ACME (they have renewal options).
    public static func acmeNames(in store: any StoreReader) throws -> [String] {
        // A damaged renewal.json counts: its renewal then fails loudly instead of the certificate being forgotten.
        try store.names().filter { name in
            do { return try store.renewalOptions(of: name) != nil } catch { return true }
        }
    }

    /// One result per name, in the order of `names`.
    public func run(
        store: any CertificateStore, transport: @escaping TransportFactory, now: @escaping @Sendable () -> Date,
        progress: @escaping @Sendable (String) -> Void
    ) async -> [(name: String, result: Result<ACMERenewal.Outcome, Error>)] {
        let renewals = names.map {
            var renewal = ACMERenewal(name: $0, force: force, randomFraction: Double.random(in: 0..<1))
            renewal.dryRun = dryRun
            return renewal
        }
        return await withTaskGroup(of: Finished.self) { group in
            var results = [Result<ACMERenewal.Outcome, Error>?](repeating: nil, count: renewals.count)
            var started = 0
            var finished = 0
            // Keep `concurrency` renewals in flight: start one each time one ends.
            while finished < renewals.count {
                while started < renewals.count && started - finished < concurrency {
                    let renewal = renewals[started]
                    group.addTask { [started] in
                        do {
                            let outcome = try await renewal.run(store: store, transport: transport, now: now, progress: progress)
                            return Finished(index: started, result: .success(outcome))
                        } catch {
                            return Finished(index: started, result: .failure(error))
                        }
                    }
                    started += 1
                }
                guard let done = await group.next() else { break }
                results[done.index] = done.result
                finished += 1
            }
            return names.indices.map { (names[$0], results[$0]!) }
        }
    }
}

/// One renewal's end, tagged with its position in the batch. A class on purpose: a child task returning the
/// (index, result) tuple lost the index in release builds (Swift 6.3.1), crashing the batch.
private final class Finished: Sendable {
    let index: Int
    let result: Result<ACMERenewal.Outcome, Error>

    init(index: Int, result: Result<ACMERenewal.Outcome, Error>) {
        self.index = index
        self.result = result
    }
}
