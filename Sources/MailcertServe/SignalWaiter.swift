import Dispatch
import Foundation
import Logging

/// SIGHUP, SIGTERM and SIGINT delivered to dispatch queues instead of interrupting the process.
final class SignalWaiter: @unchecked Sendable {
    private let logger: Logger
    private let terminated = DispatchSemaphore(value: 0)
    /// Kept alive for the life of the process; dispatch sources stop when released.
    private var sources: [any DispatchSourceSignal] = []

    init(logger: Logger) {
        self.logger = logger
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [terminated, logger] in
                logger.notice("signal \(signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"): shutting down")
                terminated.signal()
            }
            source.resume()
            sources.append(source)
        }
    }

    func onHangUp(_ action: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        sources.append(source)
    }

    func waitForTermination() { terminated.wait() }
}
