/// The last `limit` bytes of a stream: a hook that loops printing must not grow mailcert without bound, and the
/// end of its output is where the error usually is.
struct OutputTail {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var discarded = 0

    init(limit: Int) { self.limit = max(0, limit) }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
        // Trim in batches, not on every read: dropping the front of an array copies it.
        if bytes.count > 2 * limit + 4096 { trim() }
    }

    mutating func trim() {
        guard bytes.count > limit else { return }
        let excess = bytes.count - limit
        bytes.removeFirst(excess)
        discarded += excess
    }
}
