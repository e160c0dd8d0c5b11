import MailcertDNS
import MailcertTestSupport
import Testing

@Suite("Resolver addresses and resolv.conf")
struct DNSServerAddressTests {
    @Test(
        "IPv4 and IPv6 addresses, with and without a port",
        arguments: [
            ("127.0.0.1", "127.0.0.1", 53, "127.0.0.1:53"),
            ("127.0.0.1:5353", "127.0.0.1", 5353, "127.0.0.1:5353"),
            (" 192.0.2.1 ", "192.0.2.1", 53, "192.0.2.1:53"),
            ("::1", "::1", 53, "[::1]:53"),
            ("2001:db8::53", "2001:db8::53", 53, "[2001:db8::53]:53"),
            ("[::1]:5353", "::1", 5353, "[::1]:5353"),
            ("[2001:db8::1]", "2001:db8::1", 53, "[2001:db8::1]:53"),
        ])
    func good(text: String, host: String, port: Int, description: String) throws {
        let address = try DNSServerAddress(parsing: text)
        #expect(address.host == host && address.port == port)
        #expect(address.description == description)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "", "localhost", "dns.example", "1.2.3", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:x", "1.2.3.4:",
            "[::1", "[::1]53", "[::1]:", "[127.0.0.1]x", "::g",
        ])
    func bad(text: String) {
        #expect(throws: DNSError(.badAddress, "")) { try DNSServerAddress(parsing: text) }
    }

    @Test("the first nameserver line with an IP address wins; comments and other lines are skipped")
    func resolvConf() throws {
        let directory = try TemporaryDirectory("mailcert-dns")
        let path = try directory.write(
            "resolv.conf",
            "# generated\nsearch example.test\n; nameserver 192.0.2.9\noptions timeout:1\nnameserver bogus\n"
                + "nameserver\t192.0.2.53 \nnameserver ::1\n")
        let resolver = try DNSResolver.system(resolvConf: path, timeout: .seconds(3))
        #expect(resolver.server == (try DNSServerAddress(parsing: "192.0.2.53")))
        #expect(resolver.timeout == .seconds(3) && resolver.attempts == 2)
        let v6 = try DNSResolver.system(resolvConf: try directory.write("v6.conf", "nameserver ::1\n"))
        #expect(v6.server.description == "[::1]:53")
    }

    @Test("no usable nameserver line, or no file, is noResolver")
    func noResolver() throws {
        let directory = try TemporaryDirectory("mailcert-dns")
        let empty = try directory.write(
            "resolv.conf", "search example.test\n#nameserver 192.0.2.1\nnameserver nowhere\n")
        #expect(throws: DNSError(.noResolver, "")) { try DNSResolver.system(resolvConf: empty) }
        #expect {
            try DNSResolver.system(resolvConf: directory.path("missing.conf"))
        } throws: { error in
            (error as? DNSError)?.code == .noResolver && "\(error)".contains("missing.conf")
        }
    }
}
