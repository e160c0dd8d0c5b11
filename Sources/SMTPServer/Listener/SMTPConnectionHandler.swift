import Foundation
import MailcertCrypto
import NIOCore
import NIOPosix
import SMTPProtocol

/// Drives one client connection: moves bytes between the socket, TLS and the `SMTPSession`, runs the session's
/// actions, and enforces the deadlines.
///
/// TLS lives inside this handler rather than in a handler added to the pipeline at STARTTLS, so the switch happens
/// in the same call that answered 220: no byte read after that point can reach the session except through TLS, and
/// once TLS is on there is no way back to plaintext (a client's close_notify ends the connection).
final class SMTPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let environment: ConnectionEnvironment
    var session: SMTPSession
    var tls: TLSSession?
    var tlsEstablished = false
    /// The context STARTTLS will use: the one current when the client was told STARTTLS is possible.
    var offeredContext: ServerTLSContext?
    var destination: SerializedMessageChannel?
    /// Every destination call chains on this, so they run one at a time and in order.
    var destinationTail: EventLoopFuture<Void>?
    /// A destination step is under way: reads are held back (RFC 2920 pipelining stays bounded).
    var waitingForDestination = false
    var readHeldBack = false
    var deadline: Scheduled<Void>?
    var dataStarted: NIODeadline?
    var dataBytes = 0
    var pendingReplies: [UInt8] = []
    var clientAddress = "unknown"
    var admitted = false
    var closing = false
    var record = SessionRecord()

    init(environment: ConnectionEnvironment) {
        self.environment = environment
        self.session = SMTPSession(policy: environment.policy, tlsAvailable: false)
    }

    // MARK: - Channel events

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.remoteAddress
        clientAddress = remote?.ipAddress ?? "unknown"
        record.peer = remote.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        environment.registry.add(context.channel)
        switch environment.limiter.admit(clientAddress) {
        case .admitted: admitted = true
        case .tooManyInAll: return refuse(context, "Error: too many connections; try again later")
        case .tooManyFromAddress: return refuse(context, "Error: too many connections from your address")
        }
        destination = SerializedMessageChannel(
            channel: environment.sink.openChannel(for: SessionInfo(peer: record.peer)))
        destinationTail = context.eventLoop.makeSucceededVoidFuture()
        if environment.policy.implicitTLS {
            startTLS(context, discarded: 0)
        } else if environment.limits.greetPause > .zero {
            schedule(context, after: environment.limits.greetPause) { handler, context in handler.greet(context) }
        } else {
            greet(context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let buffer = unwrapInboundIn(data)
        if let tls {
            buffer.withUnsafeReadableBytes { tls.receive($0) }
            pumpTLS(context)
        } else {
            feed(context, Array(buffer.readableBytesView))
        }
    }

    func read(context: ChannelHandlerContext) {
        if waitingForDestination {
            readHeldBack = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        environment.registry.remove(context.channel)
        if admitted {
            environment.limiter.release(clientAddress)
            admitted = false
            if let destination {
                _ = destinationTail?.flatMap { [pool = environment.threadPool, eventLoop = context.eventLoop] in
                    pool.runIfActive(eventLoop: eventLoop) { destination.channel.close() }
                }
            }
            environment.logger.info("session", metadata: record.metadata)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        record.result = "connection error: \(error)"
        close(context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ShutdownNow {
            record.result = "closed by shutdown"
            if tls != nil && !tlsEstablished { return close(context) }
            run(context, session.shuttingDown())
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            if record.result == "closed by client" && session.isReadingData { record.result = "client left in DATA" }
            close(context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: - Session

    private func greet(_ context: ChannelHandlerContext) {
        refreshTLSAvailability()
        run(context, session.greet())
    }

    /// The session offers STARTTLS only while a certificate is loaded; a reload may change that between commands.
    private func refreshTLSAvailability() {
        guard tls == nil else { return }
        offeredContext = environment.contexts.current
        session.tlsAvailable = offeredContext != nil
    }

    func feed(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        if session.isReadingData { dataBytes += bytes.count }
        refreshTLSAvailability()
        run(context, session.receive(bytes))
    }

    /// Runs the session's actions in order, then sends the replies they produced in one write.
    func run(_ context: ChannelHandlerContext, _ actions: [SMTPAction]) {
        var replied = false
        for action in actions {
            guard !closing else { return }
            switch action {
            case .send(let reply):
                pendingReplies += reply.bytes
                replied = true
            case .startTLS(let discarded):
                flushReplies(context)
                startTLS(context, discarded: discarded)
            case .mail(let sender, let parameters):
                askDestination(context) { $0.mail(from: sender, parameters: parameters) }
            case .recipient(let recipient):
                askDestination(context) { $0.recipient(recipient) }
            case .deliver(let envelope, let content):
                let message = withReceivedHeader(envelope, content)
                askDestination(context, delivery: true) { $0.data(message) }
            case .reset:
                tellDestination(context) { $0.reset() }
            case .close:
                if record.result == "closed by client" { record.result = "quit" }
                return close(context)
            }
        }
        flushReplies(context)
        if replied { armDeadlineAfterReply(context) }
    }

    private func withReceivedHeader(_ envelope: SMTPEnvelope, _ content: [UInt8]) -> [UInt8] {
        let id = String(UInt64.random(in: 0...UInt64.max), radix: 16, uppercase: true)
        return ReceivedHeader.render(
            envelope: envelope, peerAddress: clientAddress, hostname: environment.policy.hostname, id: id,
            date: environment.now()) + content
    }

    // MARK: - Destination

    /// Runs one step on the thread pool, holding reads back until it answers; the answer goes to the session.
    private func askDestination(
        _ context: ChannelHandlerContext, delivery: Bool = false,
        _ step: @escaping @Sendable (any MessageChannel) -> DeliveryVerdict
    ) {
        guard let destination, let tail = destinationTail else { return }
        waitingForDestination = true
        deadline?.cancel()
        let (pool, eventLoop) = (environment.threadPool, context.eventLoop)
        // upstreamSecurity is read here, on the pool right after the step, never on the loop while a step runs.
        let next = tail.flatMap {
            pool.runIfActive(eventLoop: eventLoop) { (step(destination.channel), destination.channel.upstreamSecurity) }
        }
        destinationTail = next.map { _ in }.recover { _ in }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        next.whenComplete { result in
            let (handler, context) = bound.value
            let (verdict, upstream): (DeliveryVerdict, String?) =
                switch result {
                case .success(let answer): answer
                case .failure: (.rejected(ServerReply(451, "4.3.0", "Local error; try again later")), nil)
                }
            handler.destinationAnswered(context, verdict, upstream: upstream, delivery: delivery)
        }
    }

    private func tellDestination(_ context: ChannelHandlerContext, _ step: @escaping @Sendable (any MessageChannel) -> Void) {
        guard let destination, let tail = destinationTail else { return }
        let (pool, eventLoop) = (environment.threadPool, context.eventLoop)
        destinationTail = tail.flatMap {
            pool.runIfActive(eventLoop: eventLoop) { step(destination.channel) }
        }.recover { _ in }
    }

    private func destinationAnswered(
        _ context: ChannelHandlerContext, _ verdict: DeliveryVerdict, upstream: String?, delivery: Bool
    ) {
        waitingForDestination = false
        if let upstream { record.upstream = upstream }
        guard !closing else { return }
        var rejection: ServerReply?
        switch verdict {
        case .accepted(let detail):
            if delivery {
                record.messages += 1
                if !detail.isEmpty { environment.logger.debug("accepted", metadata: ["peer": "\(record.peer)", "stored": "\(detail)"]) }
            }
        case .rejected(let reply):
            rejection = reply
            if delivery { record.rejected += 1 }
        }
        run(context, session.stepFinished(rejection: rejection))
        if readHeldBack && !waitingForDestination {
            readHeldBack = false
            context.read()
        }
    }

    // MARK: - Deadlines

    func armDeadlineAfterReply(_ context: ChannelHandlerContext) {
        guard !closing, !waitingForDestination, tls == nil || tlsEstablished else { return }
        if session.isReadingData {
            guard dataStarted == nil else { return }
            dataStarted = .now()
            dataBytes = 0
        } else {
            dataStarted = nil
        }
        schedule(context, after: environment.limits.commandTimeout) { handler, context in handler.deadlinePassed(context) }
    }

    private func deadlinePassed(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        if tls != nil && !tlsEstablished {
            record.result = "TLS handshake timeout"
            return close(context)
        }
        if let dataStarted, session.isReadingData {
            // DATA may run longer, by one second per `minimumDataRate` octets received so far.
            let earned = Int64(dataBytes / max(1, environment.limits.minimumDataRate))
            let allowed = dataStarted + TimeAmount(environment.limits.commandTimeout) + .seconds(earned)
            if allowed > .now() {
                return schedule(context, after: .nanoseconds(allowed.uptimeNanoseconds - NIODeadline.now().uptimeNanoseconds)) {
                    handler, context in handler.deadlinePassed(context)
                }
            }
        }
        record.result = session.isReadingData ? "timeout in DATA" : "timeout"
        run(context, session.timedOut())
    }

    func schedule(
        _ context: ChannelHandlerContext, after duration: Duration,
        _ work: @escaping (SMTPConnectionHandler, ChannelHandlerContext) -> Void
    ) {
        schedule(context, after: TimeAmount(duration), work)
    }

    func schedule(
        _ context: ChannelHandlerContext, after amount: TimeAmount,
        _ work: @escaping (SMTPConnectionHandler, ChannelHandlerContext) -> Void
    ) {
        deadline?.cancel()
        let bound = NIOLoopBound((self, context, work), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: amount) {
            let (handler, context, work) = bound.value
            work(handler, context)
        }
    }

    // MARK: - Output and closing

    func flushReplies(_ context: ChannelHandlerContext) {
        guard !pendingReplies.isEmpty else { return }
        defer { pendingReplies.removeAll(keepingCapacity: true) }
        if let tls {
            guard tlsEstablished else { return }
            do {
                try tls.write(pendingReplies)
            } catch {
                record.result = "TLS write failed: \(error)"
                return close(context)
            }
            flushCiphertext(context)
        } else {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: pendingReplies)), promise: nil)
        }
    }

    /// Closes after everything written so far has gone out; a TLS session first says close_notify.
    func close(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        flushReplies(context)
        closing = true
        deadline?.cancel()
        if let tls, tlsEstablished {
            tls.close()
            flushCiphertext(context)
        }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).whenComplete {
            [channel = context.channel] _ in channel.close(promise: nil)
        }
    }

    private func refuse(_ context: ChannelHandlerContext, _ text: String) {
        record.result = "refused: \(text)"
        environment.logger.notice("connection refused", metadata: ["peer": "\(record.peer)", "reason": "\(text)"])
        if !environment.policy.implicitTLS {
            pendingReplies = ServerReply(421, "4.7.0", "\(environment.policy.hostname) \(text)").bytes
        }
        close(context)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
