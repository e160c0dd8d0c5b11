#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A TCP port on 127.0.0.1 for a server a test starts.
///
/// Ports come from 20000-32767, below Linux's ephemeral range (32768-60999), so no outgoing connection of a
/// parallel test can take one between the pick and the server's bind; and a port is handed out once per process,
/// so two parallel tests never get the same one.
public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    public static func pick() -> Int {
        while true {
            let candidate = Int.random(in: 20_000...32_767)
            let fresh = handedOut.withLock { $0.insert(candidate).inserted }
            if fresh, canBind(candidate) { return candidate }
        }
    }

    private static func canBind(_ port: Int) -> Bool {
        onLoopback(port, host: "127.0.0.1") { fd, address, length in bind(fd, address, length) } == 0
    }

    /// True once something accepts TCP connections on `host` ("127.0.0.1" or "::1") port `port`.
    public static func isListening(_ port: Int, host: String = "127.0.0.1") -> Bool {
        onLoopback(port, host: host) { fd, address, length in connect(fd, address, length) } == 0
    }

    /// Runs `call` (bind or connect) on a fresh TCP socket with 127.0.0.1 (or ::1) and `port`, then closes it.
    private static func onLoopback(
        _ port: Int, host: String, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            address.sin6_port = UInt16(port).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    call(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Waits up to `seconds` for `port` to accept connections; gives up at once, with its log, when `server`
    /// has exited.
    public static func waitUntilListening(
        _ port: Int, host: String = "127.0.0.1", seconds: Double = 10, server: BackgroundProcess? = nil
    ) throws {
        var waited = 0.0
        while !isListening(port, host: host) {
            if let server, !server.isRunning { throw TestSupportError("the server exited: \(server.log())") }
            guard waited < seconds else {
                throw TestSupportError("nothing listens on \(host) port \(port) after \(seconds) s" + (server.map { ": \($0.log())" } ?? ""))
            }
            usleep(20_000)
            waited += 0.02
        }
    }
}
