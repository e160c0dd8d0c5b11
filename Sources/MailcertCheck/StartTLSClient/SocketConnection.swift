import Foundation
import MailcertSystem

/// A TCP connection with every operation bounded by a deadline: non-blocking socket plus poll(2).
///
/// Blocking by design (the probe is a sequence of steps); callers run it off the cooperative thread pool.
package final class SocketConnection: ByteSource {
    private let fd: Int32
    /// "192.0.2.1:25", the address actually connected to.
    package let peer: String

    private init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    deinit { close(fd) }

    /// Connects to the first address of `host` that answers, trying them in resolver order.
    package static func connect(host: String, port: Int, deadline: Deadline) throws -> SocketConnection {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(bare, String(port), &hints, &list)
        guard status == 0, let list else {
            throw CheckError(.connect, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var failures: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let address = entry {
            entry = address.pointee.ai_next
            let text = describe(address.pointee.ai_addr, length: address.pointee.ai_addrlen, port: port)
            do {
                return SocketConnection(fd: try open(address.pointee, deadline: deadline, text: text), peer: text)
            } catch let error as CheckError {
                failures.append(error.message)
                if error.code == .timeout { break }
            }
        }
        throw CheckError(
            deadline.hasPassed ? .timeout : .connect, "cannot connect to \(host): " + failures.joined(separator: "; "))
    }

    private static func open(_ address: addrinfo, deadline: Deadline, text: String) throws -> Int32 {
        let fd = socket(
            address.ai_family, address.ai_socktype | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue),
            address.ai_protocol)
        guard fd >= 0 else { throw CheckError(.connect, "\(text): \(String(cString: strerror(errno)))") }
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return fd }
        guard errno == EINPROGRESS else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw CheckError(.connect, "\(text): \(reason)")
        }
        guard wait(fd, for: Int16(POLLOUT), deadline: deadline) else {
            close(fd)
            throw CheckError(.timeout, "\(text): no answer within \(deadline.lengthText)")
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else {
            close(fd)
            throw CheckError(.connect, "\(text): \(String(cString: strerror(error)))")
        }
        return fd
    }

    /// Sends all of `bytes` before `deadline`.
    package func send(_ bytes: [UInt8], deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if errno == EAGAIN || errno == EINTR {
                guard Self.wait(fd, for: Int16(POLLOUT), deadline: deadline) else {
                    throw CheckError(.timeout, "\(peer) did not take our data within \(deadline.lengthText)")
                }
            } else {
                throw CheckError(.closed, "\(peer) closed the connection (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// The next bytes that arrive before `deadline`; empty when the peer closed the connection.
    package func receive(maximum: Int, deadline: Deadline) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, maximum, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            guard errno == EAGAIN || errno == EINTR else {
                if errno == ECONNRESET { return [] }
                throw CheckError(.closed, "reading from \(peer) failed: \(String(cString: strerror(errno)))")
            }
            guard Self.wait(fd, for: Int16(POLLIN), deadline: deadline) else {
                throw CheckError(.timeout, "\(peer) sent nothing more within \(deadline.lengthText)")
            }
        }
    }

    /// Waits until `fd` is ready for `events` (or has an error to report); false when the deadline passed first.
    private static func wait(_ fd: Int32, for events: Int16, deadline: Deadline) -> Bool {
        while true {
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, deadline.remainingMilliseconds)
            if ready > 0 { return true }
            if ready < 0, errno == EINTR { continue }
            return false
        }
    }

    private static func describe(_ address: UnsafeMutablePointer<sockaddr>?, length: socklen_t, port: Int) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard let address, getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
        else { return "?:\(port)" }
        let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Endpoint(host: text, port: port).description
    }
}
