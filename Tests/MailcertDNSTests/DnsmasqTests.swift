import MailcertDNS
import MailcertTestSupport
import Testing

/// Lookups against a real resolver: dnsmasq, started per test on a port of its own.
@Suite("Lookups against dnsmasq")
struct DnsmasqTests {
    @Test("MX records come sorted by preference, then name")
    func mx() throws {
        let dns = try Dnsmasq()
        let expected = MXLookup.exchanges([
            MXRecord(preference: 10, exchange: "mx1.example.test"),
            MXRecord(preference: 20, exchange: "mx0.example.test"),
            MXRecord(preference: 20, exchange: "mx2.example.test"),
        ])
        #expect(try dns.resolver.mx("example.test") == expected)
        #expect(try dns.resolver.mx("EXAMPLE.test.") == expected)
    }

    @Test("addresses: A then AAAA, and through a CNAME")
    func addresses() throws {
        let dns = try Dnsmasq()
        #expect(try dns.resolver.addresses("mx2.example.test") == ["127.0.0.2", "::1"])
        #expect(try dns.resolver.addresses("mx1.example.test") == ["127.0.0.1"])
        #expect(try dns.resolver.addresses("alias.example.test") == ["127.0.0.1"])
        #expect(try dns.resolver.addresses("example.test") == [])
    }

    @Test("TLSA records, not authenticated (dnsmasq does not validate here); none for a name that does not exist")
    func tlsa() throws {
        let dns = try Dnsmasq()
        let lookup = try dns.resolver.tlsa("_25._tcp.mx1.example.test")
        #expect(!lookup.authenticated)
        #expect(
            Set(lookup.records.map(\.description)) == [
                "3 1 1 \(Dnsmasq.digest.uppercased())", "2 0 1 \(Dnsmasq.digest.uppercased())",
            ])
        #expect(lookup.records.contains(try TLSARecord(parsing: "3 1 1 \(Dnsmasq.digest)")))
        #expect(try dns.resolver.tlsa("_25._tcp.mx2.example.test") == TLSALookup(records: [], authenticated: false))
    }

    @Test("a name with an address but no MX is noMX; MX 0 . is a null MX")
    func noMXAndNullMX() throws {
        let dns = try Dnsmasq()
        #expect(try dns.resolver.mx("nomx.test") == .noMX)
        #expect(try dns.resolver.mx("null.test") == .nullMX)
    }

    @Test("NXDOMAIN and REFUSED are errors that name the query and the resolver")
    func errors() throws {
        let dns = try Dnsmasq()
        #expect {
            try dns.resolver.mx("missing.test")
        } throws: { error in
            "\(error)" == "missing.test has no DNS records (NXDOMAIN) according to 127.0.0.1:\(dns.port)"
                && (error as? DNSError)?.code == .nxdomain
        }
        #expect {
            try dns.resolver.addresses("www.example.invalid")
        } throws: { error in
            (error as? DNSError)?.code == .refused
                && "\(error)".contains("A www.example.invalid at 127.0.0.1:\(dns.port)")
        }
        #expect(throws: DNSError(.badName, "")) { try dns.resolver.mx("exa mple.test") }
    }

    @Test("an answer too big for 1232 bytes of UDP comes truncated and is fetched again over TCP")
    func tcpFallback() throws {
        let dns = try Dnsmasq()
        // 80 A records need about 1.3 kB: dnsmasq sends 75 of them with TC=1 over UDP, all 80 over TCP.
        #expect(Set(try dns.resolver.addresses("big.test")) == Set(Dnsmasq.bigAddresses))
    }

    @Test("an IPv6 resolver address", .enabled(if: ipv6LoopbackAvailable()))
    func ipv6() throws {
        let dns = try Dnsmasq(listen: "::1")
        #expect(dns.resolver.server.description == "[::1]:\(dns.port)")
        #expect(try dns.resolver.addresses("mx2.example.test") == ["127.0.0.2", "::1"])
        #expect(Set(try dns.resolver.addresses("big.test")).count == 80)
    }

    @Test("a port where nothing listens fails fast as unreachable (ICMP port unreachable), naming the lookup")
    func nothingListens() throws {
        let port = FreePort.pick()
        let resolver = DNSResolver(
            server: try DNSServerAddress(parsing: "127.0.0.1:\(port)"), timeout: .milliseconds(300))
        let start = ContinuousClock.now
        #expect {
            try resolver.mx("example.test")
        } throws: { error in
            let expected = "DNS lookup of MX example.test at 127.0.0.1:\(port) failed: nothing listens there"
            return (error as? DNSError)?.code == .unreachable && "\(error)" == expected + " (connection refused)"
        }
        #expect(ContinuousClock.now - start < .milliseconds(300))
    }
}
