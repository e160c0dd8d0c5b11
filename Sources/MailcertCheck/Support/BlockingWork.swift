import Dispatch
import Synchronization

/// Runs the probe's blocking socket work away from Swift's cooperative thread pool, which has one thread per core
/// and must never wait on a network peer.
public enum BlockingWork {
    /// Runs `work` on a dispatch thread and resumes the caller with its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// `transform` applied to every element, each on a dispatch thread of its own, results in input order.
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) -> [R] {
        let slots = Mutex<[R?]>(Array(repeating: nil, count: items.count))
        let group = DispatchGroup()
        for (index, item) in items.enumerated() {
            DispatchQueue.global().async(group: group) {
                let result = transform(item)
                slots.withLock { $0[index] = result }
            }
        }
        group.wait()
        return slots.withLock { $0.compactMap { $0 } }
    }
}
