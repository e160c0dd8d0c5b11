#if canImport(Glibc)
    import Glibc
#endif

/// A blocking stub-resolver client: every lookup goes to one recursive resolver, so the MX walk of `mailcert check`
/// sees one consistent view of the DNS (and the AD bit of the resolver the administrator trusts).
public struct DNSResolver: Sendable {
    public let server: DNSServerAddress
    /// The budget of one UDP attempt, and of the TCP retry after a truncated answer.
    public let timeout: Duration
    public let attempts: Int

    public init(server: DNSServerAddress, timeout: Duration = .seconds(5), attempts: Int = 2) {
        self.server = server
        self.timeout = timeout
        self.attempts = max(1, attempts)
    }

    /// The resolver of the first `nameserver` line of resolv.conf that holds an IP address, as the C library uses it.
    public static func system(
        resolvConf: String = "/etc/resolv.conf", timeout: Duration = .seconds(5)
    ) throws
        -> DNSResolver
    {
        let text = try readFile(resolvConf)
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { continue }
            if let server = try? DNSServerAddress(parsing: String(fields[1])) {
                return DNSResolver(server: server, timeout: timeout)
            }
        }
        throw DNSError(.noResolver, "\(resolvConf) has no \"nameserver\" line with an IP address")
    }

    /// The mail exchanges of `domain`.
    public func mx(_ domain: String) throws -> MXLookup {
        let (name, response) = try query(domain, .mx)
        return MXLookup(
            response.records(.mx, of: name).compactMap { if case .mx(let record) = $0 { record } else { nil } })
    }

    /// The IPv4 then IPv6 addresses of `host` in text form ("192.0.2.1", "2001:db8::1"); empty when it has none.
    public func addresses(_ host: String) throws -> [String] {
        var found: [String] = []
        for type in [DNSType.a, .aaaa] {
            let (name, response) = try query(host, type)
            for case let data in response.records(type, of: name) {
                switch data {
                case .a(let bytes): found.append(Self.text(bytes, family: AF_INET))
                case .aaaa(let bytes): found.append(Self.text(bytes, family: AF_INET6))
                default: break
                }
            }
        }
        return found
    }

    /// The TLSA records of `name` ("_25._tcp.mx1.example.com"). A name that does not exist (NXDOMAIN) has no records:
    /// that is the usual answer for a host without DANE, not an error.
    public func tlsa(_ name: String) throws -> TLSALookup {
        let (owner, response) = try query(name, .tlsa, acceptingNXDOMAIN: true)
        let records = response.records(.tlsa, of: owner).compactMap {
            if case .tlsa(let record) = $0 { record } else { nil }
        }
        return TLSALookup(records: records, authenticated: response.isAuthenticated)
    }

    /// The TXT values of `name`; none when it does not exist. Asked of an authoritative server, this shows what a CA
    /// validating dns-01 will see.
    public func txt(_ name: String) throws -> [String] {
        let (owner, response) = try query(name, .txt, acceptingNXDOMAIN: true)
        return response.records(.txt, of: owner).compactMap { if case .txt(let value) = $0 { value } else { nil } }
    }

    /// The name server host names of `zone` (its NS records), sorted.
    public func nameServers(_ zone: String) throws -> [String] {
        let (owner, response) = try query(zone, .ns)
        return response.records(.ns, of: owner).compactMap { if case .ns(let host) = $0 { host } else { nil } }.sorted()
    }

    /// Asks one question over UDP, again over TCP if the answer was truncated, and turns failure RCODEs into errors.
    func query(
        _ text: String, _ type: DNSType, acceptingNXDOMAIN: Bool = false
    ) throws(DNSError)
        -> (name: String, response: DNSResponse)
    {
        let name = try DNSName.normalized(text)
        let address = try SocketAddress(numericHost: server.host, port: server.port)
        let query = DNSQuery(name: name, type: type)
        let bytes = query.bytes
        let lookup = "DNS lookup of \(type) \(name) at \(server)"
        let datagram: [UInt8]
        do {
            datagram = try DNSTransport.udp(bytes, to: address, timeout: timeout, attempts: attempts) { reply in
                guard let head = try? DNSResponse(decoding: reply, headOnly: true) else { return false }
                return query.isAnswered(by: head)
            }
        } catch {
            throw transportError(error, lookup, timedOut: "(\(attempts) attempt\(attempts == 1 ? "" : "s"))")
        }
        var response = try decode(datagram, lookup)
        if response.isTruncated {
            let overTCP = "DNS lookup of \(type) \(name) over TCP at \(server)"
            let stream: [UInt8]
            do {
                stream = try DNSTransport.tcp(bytes, to: address, timeout: timeout)
            } catch {
                throw transportError(error, overTCP, timedOut: "(the UDP answer was truncated)")
            }
            response = try decode(stream, overTCP)
            guard query.isAnswered(by: response), !response.isTruncated else {
                throw DNSError(
                    .malformedAnswer, "\(overTCP) failed: the answer does not match the question, or is truncated")
            }
        }
        switch response.rcode {
        case 0: break
        case 3 where acceptingNXDOMAIN: break
        case 3: throw DNSError(.nxdomain, "\(name) has no DNS records (NXDOMAIN) according to \(server)")
        case 5:
            throw DNSError(
                .refused, "\(lookup) was refused (REFUSED): the resolver does not answer this client or name")
        case 2:
            throw DNSError(
                .serverFailure,
                "\(lookup) failed: the resolver answered SERVFAIL (it got no usable answer; the domain's name servers"
                    + " may be unreachable or its DNSSEC signatures invalid)")
        case let rcode:
            let names = [1: "FORMERR", 4: "NOTIMP", 16: "BADVERS"]
            throw DNSError(
                .serverFailure, "\(lookup) failed: the resolver answered \(names[rcode] ?? "RCODE \(rcode)")")
        }
        return (name, response)
    }

    private func decode(_ bytes: [UInt8], _ lookup: String) throws(DNSError) -> DNSResponse {
        do {
            return try DNSResponse(decoding: bytes)
        } catch {
            throw DNSError(.malformedAnswer, "\(lookup) failed: the answer is malformed: \(error.message)")
        }
    }

    private func transportError(_ failure: DNSTransport.Failure, _ lookup: String, timedOut detail: String) -> DNSError
    {
        switch failure {
        case .timeout:
            DNSError(.timeout, "\(lookup) timed out after \(Self.seconds(timeout)) \(detail)")
        case .refused:
            DNSError(.unreachable, "\(lookup) failed: nothing listens there (connection refused)")
        case .failed(let reason):
            DNSError(.unreachable, "\(lookup) failed: \(reason)")
        }
    }

    /// "5 s", "0.3 s": durations as messages print them.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let fraction = milliseconds % 1000
        guard fraction != 0 else { return "\(milliseconds / 1000) s" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(milliseconds / 1000).\(digits) s"
    }

    private static func text(_ bytes: [UInt8], family: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) } != nil
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }

    static func readFile(_ path: String) throws(DNSError) -> String {
        guard let file = fopen(path, "r") else {
            throw DNSError(.noResolver, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
