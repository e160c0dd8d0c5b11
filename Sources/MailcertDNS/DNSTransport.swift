#if canImport(Glibc)
    import Glibc
#endif

/// Blocking UDP and TCP exchanges with one resolver, bounded by deadlines rather than per-call timeouts, so a server
/// that trickles bytes or unrelated datagrams cannot stretch a lookup past its budget.
enum DNSTransport {
    enum Failure: Error {
        /// Nothing acceptable arrived before the deadline.
        case timeout
        /// The resolver's host said no one listens there (ICMP port unreachable over UDP, RST over TCP).
        case refused
        /// A socket call failed; the text is the call and strerror.
        case failed(String)
    }

    /// Sends `query` over a connected UDP socket (so only the server's datagrams arrive) up to `attempts` times, each
    /// attempt waiting `timeout` in total for a datagram `accept` takes; others (wrong ID, wrong question, garbage) are
    /// dropped. One socket serves all attempts, so a late answer to the first send still counts during the second.
    static func udp(
        _ query: [UInt8], to address: SocketAddress, timeout: Duration, attempts: Int, accept: ([UInt8]) -> Bool
    ) throws(Failure) -> [UInt8] {
        let fd = try openSocket(address, type: SOCK_DGRAM)
        defer { close(fd) }
        guard address.withSockaddr({ connect(fd, $0, $1) }) == 0 else { throw failure("connect") }
        var buffer = [UInt8](repeating: 0, count: 65_535)
        var last = Failure.timeout
        for _ in 0..<max(1, attempts) {
            let deadline = ContinuousClock.now + timeout
            do throws(Failure) {
                guard send(fd, query, query.count, Int32(MSG_NOSIGNAL)) == query.count else { throw failure("send") }
                while true {
                    try wait(fd, for: POLLIN, until: deadline)
                    let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                    if count < 0 {
                        if errno == EAGAIN || errno == EINTR { continue }
                        throw failure("recv")
                    }
                    let datagram = Array(buffer[0..<count])
                    if accept(datagram) { return datagram }
                }
            } catch {
                last = error
                if case .failed = error { throw error }
            }
        }
        throw last
    }

    /// One exchange over TCP with the 2-byte length prefix (RFC 1035 section 4.2.2); connect, write and read share
    /// one deadline.
    static func tcp(_ query: [UInt8], to address: SocketAddress, timeout: Duration) throws(Failure) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        let fd = try openSocket(address, type: SOCK_STREAM)
        defer { close(fd) }
        if address.withSockaddr({ connect(fd, $0, $1) }) != 0 {
            guard errno == EINPROGRESS else { throw failure("connect") }
            try wait(fd, for: POLLOUT, until: deadline)
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { throw failure("getsockopt") }
            if error != 0 {
                errno = error
                throw failure("connect")
            }
        }
        var framed: [UInt8] = []
        framed.appendUInt16(UInt16(clamping: query.count))
        framed.append(contentsOf: query)
        var sent = 0
        while sent < framed.count {
            let count = framed.withUnsafeBytes {
                send(fd, $0.baseAddress! + sent, framed.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                guard errno == EAGAIN || errno == EINTR else { throw failure("send") }
                try wait(fd, for: POLLOUT, until: deadline)
            } else {
                sent += count
            }
        }
        let prefix = try read(fd, count: 2, until: deadline)
        return try read(fd, count: Int(prefix[0]) << 8 | Int(prefix[1]), until: deadline)
    }

    /// Reads exactly `count` bytes from a non-blocking stream socket.
    private static func read(
        _ fd: Int32, count: Int, until deadline: ContinuousClock.Instant
    ) throws(Failure)
        -> [UInt8]
    {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
            if got == 0 { throw .failed("the resolver closed the TCP connection after \(filled) of \(count) bytes") }
            if got < 0 {
                guard errno == EAGAIN || errno == EINTR else { throw failure("recv") }
                try wait(fd, for: POLLIN, until: deadline)
            } else {
                filled += got
            }
        }
        return bytes
    }

    private static func openSocket(_ address: SocketAddress, type: __socket_type) throws(Failure) -> Int32 {
        let flags = Int32(type.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        let fd = socket(address.family, flags, 0)
        guard fd >= 0 else { throw failure("socket") }
        return fd
    }

    /// Waits until `fd` is ready for `events` (readable, writable, or in error: the next call reports it) or the
    /// deadline passes.
    private static func wait(_ fd: Int32, for events: Int32, until deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw .timeout }
            let (seconds, attoseconds) = left.components
            let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            var descriptor = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ready = poll(&descriptor, 1, Int32(clamping: milliseconds))
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw failure("poll") }
        }
    }

    /// The failure for the socket call that just set errno.
    private static func failure(_ call: String) -> Failure {
        if errno == ECONNREFUSED { return .refused }
        return .failed("\(call): \(String(cString: strerror(errno)))")
    }
}
