import NIOConcurrencyHelpers

/// Counts open connections, in all and per client address, so a flood of idle connections from one place cannot
/// take the slots real senders need.
final class ConnectionLimiter: Sendable {
    private struct Counts {
        var total = 0
        var byAddress: [String: Int] = [:]
    }

    private let maximum: Int
    private let maximumPerAddress: Int
    private let counts = NIOLockedValueBox(Counts())

    init(maximum: Int, maximumPerAddress: Int) {
        self.maximum = maximum
        self.maximumPerAddress = maximumPerAddress
    }

    enum Verdict: Equatable {
        case admitted
        case tooManyInAll
        case tooManyFromAddress
    }

    /// Takes a slot for `address` when one is free; every `.admitted` must be paired with one `release`.
    func admit(_ address: String) -> Verdict {
        counts.withLockedValue { counts in
            guard counts.total < maximum else { return .tooManyInAll }
            guard counts.byAddress[address, default: 0] < maximumPerAddress else { return .tooManyFromAddress }
            counts.total += 1
            counts.byAddress[address, default: 0] += 1
            return .admitted
        }
    }

    func release(_ address: String) {
        counts.withLockedValue { counts in
            counts.total -= 1
            let left = counts.byAddress[address, default: 1] - 1
            counts.byAddress[address] = left > 0 ? left : nil
        }
    }

    var open: Int { counts.withLockedValue { $0.total } }
}
