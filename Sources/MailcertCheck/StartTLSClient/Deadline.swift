/// The moment a step must be finished by. Every wait of the probe is bounded by one, so a server that drips a
/// byte at a time cannot stretch a step: the deadline is for the whole step, not per read.
package struct Deadline: Sendable {
    let instant: ContinuousClock.Instant
    /// The step's length, for messages.
    let length: Duration

    package static func after(_ length: Duration) -> Deadline { Deadline(instant: .now + length, length: length) }

    var hasPassed: Bool { ContinuousClock.now >= instant }

    /// Milliseconds left, for poll(2); 0 once passed.
    var remainingMilliseconds: Int32 {
        let left = instant - .now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    /// "5 s", "300 ms".
    var lengthText: String {
        length >= .seconds(1) && length.components.attoseconds == 0
            ? "\(length.components.seconds) s" : "\(Int(length / .milliseconds(1))) ms"
    }
}
