import Foundation
import MailcertDNS
import Synchronization
import Testing

/// A UDP "resolver" on 127.0.0.1 whose replies the test scripts. Only for what dnsmasq cannot be made to send: replies
/// with a wrong ID or question, garbage, broken records, the AD bit, SERVFAIL, and silence.
final class ScriptedResponder: Sendable {
    let port: Int
    let server: DNSServerAddress
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// `script` gets each query and returns the datagrams to send back, in order.
    init(_ script: @escaping @Sendable (_ query: [UInt8]) -> [[UInt8]]) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw DNSError(.unreachable, "cannot bind a UDP socket on 127.0.0.1") }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        server = try DNSServerAddress(parsing: "127.0.0.1:\(port)")
        Thread.detachNewThread { [self] in serve(script) }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        close(fd)
    }

    private func serve(_ script: @Sendable ([UInt8]) -> [[UInt8]]) {
        defer { finished.signal() }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopping.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 20) > 0 else { continue }
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, &buffer, buffer.count, 0, $0, &length)
                }
            }
            guard count > 0 else { continue }
            for reply in script(Array(buffer[0..<count])) {
                _ = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, reply, reply.count, 0, $0, length)
                    }
                }
            }
        }
    }
}

@Suite("Lookups against a scripted UDP responder")
struct ScriptedResponderTests {
    static func mxRecord(_ preference: Int, _ name: String) -> [UInt8] {
        Wire.record(Wire.pointer(12), 15, Wire.u16(preference) + Wire.name(name))
    }

    @Test("garbage, a wrong ID and a wrong question are ignored; the matching reply after them is taken")
    func strayReplies() throws {
        let responder = try ScriptedResponder { query in
            let otherQuestion =
                Wire.header(id: Int(query[0]) << 8 | Int(query[1]), an: 1) + Wire.question("evil.test", 15)
                + Self.mxRecord(1, "evil.test")
            return [
                [0xDE, 0xAD, 0xBE, 0xEF, 0x00],
                Wire.reply(
                    to: query, id: (Int(query[0]) << 8 | Int(query[1])) ^ 0x5555,
                    answers: [Self.mxRecord(1, "evil.test")]),
                otherQuestion,
                Wire.reply(to: query, answers: [Self.mxRecord(10, "mx.example.test")]),
            ]
        }
        defer { responder.stop() }
        let resolver = DNSResolver(server: responder.server, timeout: .seconds(2))
        #expect(try resolver.mx("example.test") == .exchanges([MXRecord(preference: 10, exchange: "mx.example.test")]))
    }

    @Test("only garbage until the deadline is a timeout")
    func onlyGarbage() throws {
        let responder = try ScriptedResponder { _ in [[0x00], Array(repeating: 0xFF, count: 40)] }
        defer { responder.stop() }
        let resolver = DNSResolver(server: responder.server, timeout: .milliseconds(200), attempts: 1)
        #expect {
            try resolver.addresses("example.test")
        } throws: { error in
            "\(error)" == "DNS lookup of A example.test at \(responder.server) timed out after 0.2 s (1 attempt)"
        }
    }

    @Test("silence: each attempt waits its timeout, then a timeout error names the lookup and the attempts")
    func silence() throws {
        let queries = Atomic<Int>(0)
        let responder = try ScriptedResponder { _ in
            queries.add(1, ordering: .relaxed)
            return []
        }
        defer { responder.stop() }
        let resolver = DNSResolver(server: responder.server, timeout: .milliseconds(300), attempts: 2)
        let start = ContinuousClock.now
        #expect {
            try resolver.mx("example.test")
        } throws: { error in
            (error as? DNSError)?.code == .timeout
                && "\(error)"
                    == "DNS lookup of MX example.test at \(responder.server) timed out after 0.3 s (2 attempts)"
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(600) && elapsed < .seconds(2))
        #expect(queries.load(ordering: .relaxed) == 2)
    }

    @Test("a matching reply with a broken record is malformedAnswer, naming the lookup")
    func brokenRecord() throws {
        let responder = try ScriptedResponder { query in
            [Wire.reply(to: query, answers: [Array(Self.mxRecord(10, "mx.example.test").dropLast(3))])]
        }
        defer { responder.stop() }
        let resolver = DNSResolver(server: responder.server, timeout: .seconds(2))
        #expect {
            try resolver.mx("example.test")
        } throws: { error in
            (error as? DNSError)?.code == .malformedAnswer
                && "\(error)".hasPrefix(
                    "DNS lookup of MX example.test at \(responder.server) failed: the answer is malformed")
        }
    }

    @Test("SERVFAIL is serverFailure")
    func serverFailure() throws {
        let responder = try ScriptedResponder { query in [Wire.reply(to: query, flags: 0x8182)] }
        defer { responder.stop() }
        let resolver = DNSResolver(server: responder.server, timeout: .seconds(2))
        #expect {
            try resolver.tlsa("_25._tcp.mx.example.test")
        } throws: { error in
            (error as? DNSError)?.code == .serverFailure && "\(error)".contains("TLSA _25._tcp.mx.example.test")
        }
    }

    @Test("the AD bit of a TLSA answer is reported; the query asks for it")
    func authenticated() throws {
        let flags = Atomic<Int>(0)
        let responder = try ScriptedResponder { query in
            flags.store(Int(query[2]) << 8 | Int(query[3]), ordering: .relaxed)
            let data: [UInt8] = [3, 1, 1] + Array(repeating: 0x11, count: 32)
            return [Wire.reply(to: query, flags: 0x81A0, answers: [Wire.record(Wire.pointer(12), 52, data)])]
        }
        defer { responder.stop() }
        let resolver = DNSResolver(server: responder.server, timeout: .seconds(2))
        let lookup = try resolver.tlsa("_25._tcp.mx.example.test")
        #expect(lookup.authenticated)
        #expect(
            lookup.records == [
                TLSARecord(usage: 3, selector: 1, matchingType: 1, data: Array(repeating: 0x11, count: 32))
            ])
        #expect(flags.load(ordering: .relaxed) & 0x0120 == 0x0120)
    }
}
