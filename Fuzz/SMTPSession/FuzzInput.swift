import SMTPProtocol

/// The fuzzer's bytes read as: a flags byte, a split seed, then the client's byte stream.
struct FuzzInput {
    let flags: UInt8
    let splitSeed: UInt8
    let stream: [UInt8]

    init(_ bytes: [UInt8]) {
        flags = bytes.first ?? 0
        splitSeed = bytes.count > 1 ? bytes[1] : 0
        stream = Array(bytes.dropFirst(2))
    }

    /// Small limits on odd flags so the fuzzer reaches them; the defaults otherwise (the reply checks use these).
    var policy: SessionPolicy {
        var policy = SessionPolicy(hostname: "mx.test")
        policy.requireTLS = flags & 0x01 != 0
        policy.implicitTLS = flags & 0x02 != 0
        if flags & 0x04 != 0 {
            policy.maximumMessageSize = 200
            policy.maximumTextLine = 40
            policy.maximumCommandLine = 80
            policy.maximumRecipients = 3
            policy.maximumErrors = 4
        }
        return policy
    }

    var tlsAvailable: Bool { flags & 0x08 == 0 }
    /// The client talks before the greeting.
    var talksFirst: Bool { flags & 0x10 != 0 }
    /// The destination refuses some steps (which ones is drawn from the split seed).
    var destinationRefuses: Bool { flags & 0x20 != 0 }
    /// A deadline passes once the stream is consumed.
    var timesOutAtEnd: Bool { flags & 0x40 != 0 }

    /// The stream cut into reads of 1 to 64 bytes, lengths from a small generator seeded by the second byte.
    func chunks() -> [[UInt8]] {
        var generator = SplitGenerator(seed: splitSeed)
        var result: [[UInt8]] = []
        var start = 0
        while start < stream.count {
            let end = min(stream.count, start + generator.next())
            result.append(Array(stream[start..<end]))
            start = end
        }
        return result
    }
}

/// A linear congruential generator: deterministic, so a crashing input replays the same reads.
struct SplitGenerator {
    var state: UInt32

    init(seed: UInt8) { state = UInt32(seed) &* 2_654_435_761 | 1 }

    mutating func next() -> Int {
        state = state &* 1_103_515_245 &+ 12345
        return Int(state >> 16) % 64 + 1
    }
}
