import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SMTPProtocol

/// The bundled SMTP listener: binds the endpoints, runs one `SMTPConnectionHandler` per client on SwiftNIO event
/// loops (one per core), and shuts down gracefully.
public final class SMTPListener: Sendable {
    public let configuration: ListenerConfiguration
    private let contexts: TLSContextStore
    private let sink: any MessageSink
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let limiter: ConnectionLimiter
    private let registry = ConnectionRegistry()
    private let servers = NIOLockedValueBox<[any Channel]>([])

    public init(
        configuration: ListenerConfiguration, contexts: TLSContextStore, sink: any MessageSink, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.contexts = contexts
        self.sink = sink
        self.logger = logger
        self.now = now
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoops))
        self.threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.deliveryThreads))
        self.limiter = ConnectionLimiter(
            maximum: configuration.limits.maximumConnections,
            maximumPerAddress: configuration.limits.maximumConnectionsPerAddress)
    }

    /// Binds every endpoint (port 0 picks a free one); returns the addresses actually bound, in endpoint order.
    /// Binding happens before privileges are dropped, so ports below 1024 work when started as root.
    public func bind() throws -> [ListenerConfiguration.Endpoint] {
        threadPool.start()
        var bound: [ListenerConfiguration.Endpoint] = []
        for endpoint in configuration.endpoints {
            let channel = try bootstrap(for: endpoint).bind(host: endpoint.host, port: endpoint.port).wait()
            servers.withLockedValue { $0.append(channel) }
            let port = channel.localAddress?.port ?? endpoint.port
            var actual = endpoint
            actual.port = port
            bound.append(actual)
            logger.notice("listening on \(actual) (\(actual.tlsMode))")
        }
        return bound
    }

    /// Stops accepting, lets sessions finish within the grace period, then tells the rest 421 and closes them.
    public func shutdown() {
        for server in servers.withLockedValue({ $0 }) { try? server.close().wait() }
        logger.notice("stopped accepting; \(registry.count) session(s) still open")
        let grace = TimeAmount(configuration.limits.shutdownGrace)
        let end = NIODeadline.now() + grace
        while registry.count > 0 && NIODeadline.now() < end { usleep(20_000) }
        for channel in registry.all { channel.pipeline.fireUserInboundEventTriggered(ShutdownNow()) }
        let closeEnd = NIODeadline.now() + .seconds(2)
        while registry.count > 0 && NIODeadline.now() < closeEnd { usleep(20_000) }
        try? group.syncShutdownGracefully()
        try? threadPool.syncShutdownGracefully()
    }

    private func bootstrap(for endpoint: ListenerConfiguration.Endpoint) -> ServerBootstrap {
        var policy = configuration.session
        policy.implicitTLS = endpoint.implicitTLS
        policy.requireTLS = endpoint.requireTLS
        let environment = ConnectionEnvironment(
            policy: policy, limits: configuration.limits, contexts: contexts, sink: sink, threadPool: threadPool,
            limiter: limiter, registry: registry, logger: logger, now: now)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Without TCP_NODELAY the reply after a TLS 1.3 handshake waits ~40 ms for a delayed ACK.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SMTPConnectionHandler(environment: environment))
                }
            }
    }
}
