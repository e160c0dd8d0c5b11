import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// http-01 with a built-in responder: listens on `host:port` for the length of one order and answers only
/// `GET /.well-known/acme-challenge/<token>` for the tokens being validated; everything else is 404.
public final class HTTP01StandaloneSolver: ChallengeSolver {
    public let host: String
    public let port: Int
    public var challengeType: String { "http-01" }

    private let tokens = TokenTable()
    /// How many orders use the listener, the listener (bound once, shared), and a close still in progress.
    private struct State {
        var users = 0
        var listener: Task<Listener, Error>?
        var closing: Task<Void, Never>?
    }
    private let state = Mutex(State())

    private static let shared = Mutex<[String: HTTP01StandaloneSolver]>([:])

    /// The responder for `host:port` in this process: concurrent orders (renewing many certificates) share it, as
    /// only one socket can listen on the port.
    public static func shared(host: String, port: Int) -> HTTP01StandaloneSolver {
        shared.withLock { table in
            if let existing = table["\(host):\(port)"] { return existing }
            let solver = HTTP01StandaloneSolver(host: host, port: port)
            table["\(host):\(port)"] = solver
            return solver
        }
    }

    private struct Listener: @unchecked Sendable {
        let group: MultiThreadedEventLoopGroup
        let channel: Channel
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public func prepare() async throws {
        let listener = state.withLock { state -> Task<Listener, Error> in
            state.users += 1
            if let listener = state.listener { return listener }
            let closing = state.closing
            let listener = Task { [self] in
                await closing?.value
                return try await bind()
            }
            state.listener = listener
            return listener
        }
        do { _ = try await listener.value } catch {
            state.withLock { state in
                state.users -= 1
                // A failed bind is not handed to the next order: it binds afresh.
                if state.listener == listener { state.listener = nil }
            }
            throw error
        }
    }

    private func bind() async throws -> Listener {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [tokens] channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(ChallengeResponder(tokens: tokens))
                }
            }
        do {
            return Listener(group: group, channel: try await bootstrap.bind(host: host, port: port).get())
        } catch {
            try? await group.shutdownGracefully()
            throw ACMEError(
                .solver,
                "cannot listen on \(host):\(port) for http-01 (\(error)); if a web server already uses the port, "
                    + "use --webroot with it, or choose --http-address/--http-port")
        }
    }

    public func present(_ task: ChallengeTask) async throws { tokens.set(task.token, task.keyAuthorization) }

    public func cleanUp(_ task: ChallengeTask) async { tokens.remove(task.token) }

    /// Stops listening when the last order using the responder is done.
    public func finish() async {
        let closing = state.withLock { state -> Task<Void, Never>? in
            state.users = max(state.users - 1, 0)
            guard state.users == 0, let listener = state.listener else { return nil }
            state.listener = nil
            let closing = Task {
                guard let listener = try? await listener.value else { return }
                try? await listener.channel.close()
                try? await listener.group.shutdownGracefully()
            }
            state.closing = closing
            return closing
        }
        await closing?.value
    }
}

/// The tokens being validated and their key authorizations, shared by the solver and the connections.
final class TokenTable: Sendable {
    private let table = Mutex<[String: String]>([:])
    func set(_ token: String, _ answer: String) { table.withLock { $0[token] = answer } }
    func remove(_ token: String) { _ = table.withLock { $0.removeValue(forKey: token) } }
    func answer(_ token: String) -> String? { table.withLock { $0[token] } }
}

/// Answers each request from the token table; connections are closed after the answer.
private final class ChallengeResponder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let tokens: TokenTable
    private var request: HTTPRequestHead?

    init(tokens: TokenTable) { self.tokens = tokens }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let prefix = "/.well-known/acme-challenge/"
        var body = "not found\n"
        var status = HTTPResponseStatus.notFound
        if head.method == .GET || head.method == .HEAD, head.uri.hasPrefix(prefix),
            let answer = tokens.answer(String(head.uri.dropFirst(prefix.count)))
        {
            body = answer
            status = .ok
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
