import Foundation
import MailcertDNS
import MailcertTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The zone of the DNS tests, served by `DnsmasqServer` (Debian's dnsmasq) for one test.
///
/// `--local=/test/` makes unknown names under .test NXDOMAIN; names elsewhere are REFUSED (no upstream servers).
final class Dnsmasq {
    /// A SHA-256-sized TLSA digest.
    static let digest = (0..<32).map { String($0 * 7 + 16, radix: 16) }.joined()
    static let bigAddresses = (1...80).map { "10.0.0.\($0)" }

    let port: Int
    let resolver: DNSResolver
    private let server: DnsmasqServer

    init(listen: String = "127.0.0.1") throws {
        let zone =
            [
                "--mx-host=example.test,mx2.example.test,20",
                "--mx-host=example.test,mx1.example.test,10",
                "--mx-host=example.test,mx0.example.test,20",
                "--host-record=mx0.example.test,127.0.0.3",
                "--host-record=mx1.example.test,127.0.0.1",
                "--host-record=mx2.example.test,127.0.0.2,::1",
                "--dns-rr=_25._tcp.mx1.example.test,52,030101\(Self.digest)",
                "--dns-rr=_25._tcp.mx1.example.test,52,02 00 01 \(Self.digest)",
                "--cname=alias.example.test,mx1.example.test",
                "--host-record=nomx.test,127.0.0.9",
                "--mx-host=null.test,.,0",
            ] + Self.bigAddresses.map { "--host-record=big.test,\($0)" }
        server = try DnsmasqServer(records: zone, listen: listen)
        port = server.port
        resolver = DNSResolver(server: try DNSServerAddress(parsing: server.address), timeout: .seconds(2))
    }

    func log() -> String { server.log() }
}

/// True when this machine has IPv6 loopback (containers often do not).
func ipv6LoopbackAvailable() -> Bool {
    let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
    } == 0
}
