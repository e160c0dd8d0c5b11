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

    private static func canBind(_ port: Int) -> Bool { onLoopback(port) { fd, address, length in bind(fd, address, length) } == 0 }

    /// True once something accepts TCP connections on 127.0.0.1:`port` (or ::1 when `host` is "::1").
    public static func isListening(_ port: Int, host: String = "127.0.0.1") -> Bool {
        guard host == "::1" else { return onLoopback(port) { fd, address, length in connect(fd, address, length) } == 0 }
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        address.sin6_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        } == 0
    }

    /// Runs `call` (bind or connect) on a fresh TCP socket with 127.0.0.1:`port`, then closes the socket.
    private static func onLoopback(_ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Waits up to `seconds` for `port` to accept connections.
    public static func waitUntilListening(_ port: Int, seconds: Double = 10) throws {
        var waited = 0.0
        while !isListening(port) {
            guard waited < seconds else { throw TestSupportError("nothing listens on 127.0.0.1:\(port) after \(seconds) s") }
            usleep(20_000)
            waited += 0.02
        }
    }
}
