import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SMTPProtocol

/// What every connection of one listening endpoint shares.
struct ConnectionEnvironment: Sendable {
    let policy: SessionPolicy
    let limits: ListenerConfiguration.Limits
    let contexts: TLSContextStore
    let sink: any MessageSink
    let threadPool: NIOThreadPool
    let limiter: ConnectionLimiter
    let registry: ConnectionRegistry
    let logger: Logger
    let now: @Sendable () -> Date
}

/// The open client connections, so a shutdown can tell each one to finish.
final class ConnectionRegistry: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) { channels.withLockedValue { $0[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: any Channel) { channels.withLockedValue { $0[ObjectIdentifier(channel)] = nil } }
    var all: [any Channel] { channels.withLockedValue { Array($0.values) } }
    var count: Int { channels.withLockedValue { $0.count } }
}

/// Sent down every connection's pipeline when the grace period of a shutdown is over.
struct ShutdownNow: Sendable {}

/// Lets a `MessageChannel` cross into the thread pool. Safe because the handler chains every call on one future, so
/// two calls on a channel never overlap.
struct SerializedMessageChannel: @unchecked Sendable {
    let channel: any MessageChannel
}
