import Foundation

/// `mailcert renew` over many certificates: each one decided and renewed on its own, several orders at a time, so
/// one slow or failing CA answer never holds up or fails the others.
public struct RenewalBatch: Sendable {
    public var names: [String]
    public var force: Bool
    /// Orders in flight at once: enough to hide CA round trips, few enough to stay polite to the CA.
    public var concurrency: Int

    public init(names: [String], force: Bool, concurrency: Int = 4) {
        self.names = names
        self.force = force
        self.concurrency = max(1, concurrency)
    }

    /// The certificates in the store that were obtained over ACME (they have renewal options).
    public static func acmeNames(in store: FileCertificateStore) throws -> [String] {
        try store.names().filter { FileManager.default.fileExists(atPath: store.paths.renewalOptions($0).path) }
    }

    /// One result per name, in the order of `names`.
    public func run(
        store: FileCertificateStore, transport: @escaping TransportFactory, now: @escaping @Sendable () -> Date,
        progress: @escaping @Sendable (String) -> Void
    ) async -> [(name: String, result: Result<ACMERenewal.Outcome, Error>)] {
        await withTaskGroup(of: (Int, Result<ACMERenewal.Outcome, Error>).self) { group in
            var results = [Result<ACMERenewal.Outcome, Error>?](repeating: nil, count: names.count)
            var next = 0
            func start() {
                guard next < names.count else { return }
                let index = next
                next += 1
                let renewal = ACMERenewal(name: names[index], force: force, randomFraction: Double.random(in: 0..<1))
                group.addTask {
                    do {
                        return (index, .success(try await renewal.run(store: store, transport: transport, now: now, progress: progress)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<concurrency { start() }
            for await (index, result) in group {
                results[index] = result
                start()
            }
            return names.indices.map { (names[$0], results[$0]!) }
        }
    }
}
