import Foundation
import MailcertDNS
import MailcertTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// DNS UPDATE against a real BIND 9 named (one per test), checked with dig and nsupdate from bind9-dnsutils.
@Suite("DNS UPDATE against BIND named", .enabled(if: NamedServer.shouldRun))
struct NamedUpdateTests {
    static let record = "_acme-challenge.mx1.example.test"

    static func client(
        _ named: NamedServer, keyFile: String? = nil, timeout: Duration = .seconds(5)
    ) throws
        -> DNSUpdateClient
    {
        DNSUpdateClient(
            server: try DNSServerAddress(parsing: named.address), key: try TSIGKey.load(keyFile ?? named.sha256KeyFile),
            timeout: timeout)
    }

    @Test("a TXT record added with hmac-sha256 is seen by dig, and gone after delete; the zone is found by SOA")
    func addAndDelete() throws {
        let named = try NamedServer()
        let client = try Self.client(named)
        #expect(try client.zone(of: Self.record) == "example.test")
        #expect(try client.add(.txt(Self.record, "token-1")) == "example.test")
        #expect(try client.add(.txt(Self.record, "token-2")) == "example.test")
        #expect(Set(try named.dig(Self.record, "TXT")) == ["\"token-1\"", "\"token-2\""])
        try client.delete(.txt(Self.record, "token-1"))
        #expect(try named.dig(Self.record, "TXT") == ["\"token-2\""])
        try client.delete(.txt(Self.record, "token-2"))
        #expect(try named.dig(Self.record, "TXT") == [])
        try client.delete(.txt(Self.record, "token-2"))  // already gone: no error
    }

    @Test("the lookups the dns-01 wait uses: TXT values (long ones joined) and the zone's NS hosts")
    func lookups() throws {
        let long = String(repeating: "v", count: 300)
        let named = try NamedServer(records: ["@ IN NS ns2.example.test.", "ns2 IN A 127.0.0.2"])
        try Self.client(named).send(DNSUpdate([.add(.txt(Self.record, "short")), .add(.txt(Self.record, long))]))
        let resolver = DNSResolver(server: try DNSServerAddress(parsing: named.address))
        #expect(Set(try resolver.txt(Self.record)) == ["short", long])
        #expect(try resolver.txt("_acme-challenge.nowhere.example.test") == [])
        #expect(try resolver.nameServers("example.test") == ["ns1.example.test", "ns2.example.test"])
    }

    @Test("hmac-sha512 with the key rewritten as Knot's YAML")
    func sha512Knot() throws {
        let named = try NamedServer()
        let bind = try TSIGKey.load(named.sha512KeyFile)
        let text = try named.directory.read("update-sha512.key")
        let secret = try #require(text.split(separator: "\"").dropFirst(3).first)
        let knot = try named.directory.write(
            "knot.yaml", "key:\n  - id: \(bind.name)\n    algorithm: hmac-sha512\n    secret: \(secret)\n")
        let client = try Self.client(named, keyFile: knot)
        try client.add(.txt(Self.record, "via-512"), zone: "example.test")
        #expect(try named.dig(Self.record, "TXT") == ["\"via-512\""])
    }

    @Test("nsupdate's record deleted by mailcert, mailcert's TLSA seen by dig")
    func againstNsupdate() throws {
        let named = try NamedServer()
        let added = try named.nsupdate(["update add \(Self.record) 60 TXT \"from-nsupdate\""])
        #expect(added.status == 0, "\(added.output)")
        #expect(try named.dig(Self.record, "TXT") == ["\"from-nsupdate\""])
        let client = try Self.client(named)
        try client.delete(.txt(Self.record, "from-nsupdate"))
        #expect(try named.dig(Self.record, "TXT") == [])
        let digest = String(repeating: "ab", count: 32)
        try client.add(.tlsa("_25._tcp.mx1.example.test", try TLSARecord(parsing: "3 1 1 \(digest)")))
        // dig breaks long hex data into groups: compare without spaces.
        let seen = try named.dig("_25._tcp.mx1.example.test", "TLSA").map { $0.filter { $0 != " " } }
        #expect(seen == ["311\(digest.uppercased())"])
    }

    @Test("a failed prerequisite rejects the whole message: nothing of it is applied")
    func atomic() throws {
        let named = try NamedServer()
        let client = try Self.client(named)
        let name = "_25._tcp.mx1.example.test"
        let first = try TLSARecord(parsing: "3 1 1 " + String(repeating: "11", count: 32))
        let second = try TLSARecord(parsing: "3 1 1 " + String(repeating: "22", count: 32))
        try client.send(DNSUpdate([.add(.tlsa(name, first))], prerequisites: [.rrsetAbsent(name, .tlsa)]))
        #expect {
            try client.send(
                DNSUpdate(
                    [.add(.tlsa(name, second)), .add(.txt(Self.record, "x"))],
                    prerequisites: [.rrsetAbsent(name, .tlsa)]))
        } throws: { error in
            let error = error as? DNSError
            return error?.code == .updateRejected && error!.message.contains("YXRRSET")
                && error!.message.contains("nothing was changed") && error!.message.contains(named.address)
        }
        #expect(try named.dig(name, "TLSA").count == 1)
        #expect(try named.dig(Self.record, "TXT") == [])
    }

    /// The error `body` throws, as a DNSError.
    static func failure(_ body: () throws -> Void) -> DNSError? {
        do { try body() } catch { return error as? DNSError }
        return nil
    }

    @Test("a wrong secret: BADSIG, naming server, zone and record; nothing added")
    func badSignature() throws {
        let named = try NamedServer()
        let wrong = try named.directory.write(
            "wrong.key",
            "key \"\(named.sha256KeyName)\" { algorithm hmac-sha256; secret \"\(TSIGKeyTests.secret)\"; };"
        )
        let client = try Self.client(named, keyFile: wrong)
        let error = try #require(Self.failure { try client.add(.txt(Self.record, "v"), zone: "example.test") })
        #expect(error.code == .tsig)
        for part in ["BADSIG", named.address, "zone example.test", Self.record, wrong] {
            #expect(error.message.contains(part), "\(error.message)")
        }
        #expect(try named.dig(Self.record, "TXT") == [])
    }

    @Test("a key the server does not know: BADKEY")
    func badKey() throws {
        let named = try NamedServer()
        let unknown = try named.directory.write(
            "unknown.key", "key \"nobody\" { algorithm hmac-sha256; secret \"\(TSIGKeyTests.secret)\"; };")
        let error = try #require(Self.failure { try Self.client(named, keyFile: unknown).add(.txt(Self.record, "v")) })
        #expect(error.code == .tsig)
        #expect(error.message.contains("BADKEY") && error.message.contains("nobody"), "\(error.message)")
    }

    @Test("a zone the server does not serve: NOTAUTH; a name outside every zone: no zone found")
    func notAuthoritative() throws {
        let named = try NamedServer()
        let client = try Self.client(named)
        let error = try #require(
            Self.failure { try client.add(.txt("_acme-challenge.mx.other.test", "v"), zone: "other.test") })
        #expect(error.code == .notAuthoritative)
        for part in ["NOTAUTH", "zone other.test", "_acme-challenge.mx.other.test", named.address] {
            #expect(error.message.contains(part), "\(error.message)")
        }
        let noZone = try #require(Self.failure { _ = try client.zone(of: "_acme-challenge.mx.other.test") })
        #expect(noZone.code == .noZone && noZone.message.contains("other.test"), "\(noZone.message)")
    }

    @Test("a server that accepts the connection but never answers: a timeout naming it")
    func timeout() throws {
        let named = try NamedServer()
        let silent = try SilentListener()
        let client = DNSUpdateClient(
            server: try DNSServerAddress(parsing: "127.0.0.1:\(silent.port)"),
            key: try TSIGKey.load(named.sha256KeyFile),
            timeout: .milliseconds(300))
        let error = try #require(Self.failure { try client.add(.txt(Self.record, "v"), zone: "example.test") })
        #expect(error.code == .timeout)
        for part in ["127.0.0.1:\(silent.port)", "zone example.test", Self.record, "unknown"] {
            #expect(error.message.contains(part), "\(error.message)")
        }
    }
}

/// A TCP socket that listens and never accepts: connections complete in the backlog, then nothing is answered.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestSupportError("cannot listen on 127.0.0.1") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
