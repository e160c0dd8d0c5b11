import MailcertCrypto
import NIOConcurrencyHelpers

/// The TLS context new handshakes use. A reload swaps it in one step; a session keeps the one it started with.
///
/// nil means no usable certificate: STARTTLS is then not offered, and answered with 454 4.7.0 if asked.
public final class TLSContextStore: Sendable {
    private let box = NIOLockedValueBox<ServerTLSContext?>(nil)

    public init() {}

    public var current: ServerTLSContext? { box.withLockedValue { $0 } }

    func replace(with context: ServerTLSContext?) { box.withLockedValue { $0 = context } }
}
