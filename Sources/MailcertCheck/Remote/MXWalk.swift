import Foundation
import MailcertCrypto
import MailcertDNS

/// Checks every mail exchanger of a domain: MX records, then every address of every MX host, each probed on the
/// SMTP port with its own TLSA records when DNS has some (RFC 7672 section 2.2).
public enum MXWalk {
    public struct Request: Sendable {
        public var domain: String
        public var port: Int
        public var resolver: DNSResolver
        public var ehloName: String
        public var timeout: Duration

        public init(domain: String, port: Int = 25, resolver: DNSResolver, ehloName: String, timeout: Duration) {
            self.domain = domain
            self.port = port
            self.resolver = resolver
            self.ehloName = ehloName
            self.timeout = timeout
        }
    }

    /// One line of the walk: an MX host at one of its addresses.
    public struct HostReport: Sendable, Codable {
        public let host: String
        /// The MX preference; nil for the implicit MX of a domain without MX records.
        public let preference: Int?
        public let address: String?
        public let report: CheckReport
    }

    public struct Report: Sendable, Codable {
        public let domain: String
        public let hosts: [HostReport]
        /// Findings about the domain itself (lookup failures, null MX, implicit MX).
        public let notes: [CheckResult]

        public var status: CheckStatus {
            CheckStatus.worst(hosts.map(\.report.status) + notes.map(\.status))
        }
    }

    /// `policy` gives the policy for one MX host name and its TLSA lookup (the names check compares against the
    /// MX host name, as an SMTP sender would).
    public static func run(
        _ request: Request, policy: @escaping @Sendable (_ host: String, _ tlsa: TLSALookup?) -> CheckPolicy
    ) -> Report {
        let exchanges: [(host: String, preference: Int?)]
        var notes: [CheckResult] = []
        do {
            switch try request.resolver.mx(request.domain) {
            case .exchanges(let records):
                exchanges = records.map { ($0.exchange, Int($0.preference)) }
            case .noMX:
                notes.append(
                    CheckResult(
                        "mx", .ok,
                        "\(request.domain) has no MX records; mail goes to the domain itself (RFC 5321 section 5.1)"))
                exchanges = [(request.domain, nil)]
            case .nullMX:
                notes.append(
                    CheckResult("mx", .ok, "\(request.domain) publishes a null MX (RFC 7505): it accepts no mail"))
                exchanges = []
            }
        } catch {
            return Report(domain: request.domain, hosts: [], notes: [CheckResult("mx", .unknown, "\(error)")])
        }
        let lines = BlockingWork.map(exchanges.map { Exchange(host: $0.host, preference: $0.preference) }) {
            check($0, request, policy)
        }.flatMap { $0 }
        return Report(domain: request.domain, hosts: lines, notes: notes)
    }

    private struct Exchange: Sendable {
        let host: String
        let preference: Int?
    }

    private static func check(
        _ exchange: Exchange, _ request: Request,
        _ policy: @escaping @Sendable (String, TLSALookup?) -> CheckPolicy
    ) -> [HostReport] {
        let addresses: [String]
        do {
            addresses = try request.resolver.addresses(exchange.host)
        } catch {
            return [failed(exchange, "\(error)", request)]
        }
        guard !addresses.isEmpty else {
            return [failed(exchange, "\(exchange.host) has no A or AAAA record", request)]
        }
        var tlsaNote: CheckResult?
        var tlsa: TLSALookup?
        do {
            let found = try request.resolver.tlsa("_\(request.port)._tcp.\(exchange.host)")
            tlsa = found.records.isEmpty ? nil : found
        } catch {
            tlsaNote = CheckResult(
                "dane", .warning, "the TLSA lookup failed (\(error)); DANE senders defer mail to this host")
        }
        let hostPolicy = policy(exchange.host, tlsa)
        return addresses.map { address in
            let probe = ProbeRequest(
                host: address, port: request.port, starttls: .smtp, serverName: exchange.host,
                ehloName: request.ehloName, timeout: request.timeout)
            let report = RemoteCheck.run(probe, policy: hostPolicy)
            let results = report.results + (tlsaNote.map { [$0] } ?? [])
            return HostReport(
                host: exchange.host, preference: exchange.preference, address: address,
                report: CheckReport(
                    target: report.target, hostnames: report.hostnames, results: results, served: report.served))
        }
    }

    private static func failed(_ exchange: Exchange, _ reason: String, _ request: Request) -> HostReport {
        HostReport(
            host: exchange.host, preference: exchange.preference, address: nil,
            report: CheckReport(
                target: "\(exchange.host):\(request.port)", hostnames: [exchange.host],
                results: [CheckResult("connect", .unknown, reason)]))
    }
}
