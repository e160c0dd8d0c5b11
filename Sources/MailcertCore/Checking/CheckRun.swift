import Foundation
import MailcertCheck
import MailcertCrypto
import MailcertDNS
import MailcertSystem

/// `mailcert check`: one subject (a stored certificate, files, a server) or every MX host of a domain, checked
/// against one policy (hostnames, trust, expiry margins, TLSA records) at `now`.
public struct CheckRun: Sendable {
    public enum Subject: Sendable {
        case stored(name: String)
        case files(certificate: URL, chain: URL?, key: URL?)
        /// A server, with how TLS starts (nil: by its port) and the SNI to send (nil: the first hostname).
        case server(Endpoint, starttls: StartTLSProtocol?, serverName: String?)
        /// Every MX host of the domain on `port`, asked through `resolver` (nil: the system's).
        case domain(String, port: Int, resolver: DNSServerAddress?)
    }

    public enum Outcome: Sendable {
        case single(CheckReport)
        case walk(MXWalk.Report)

        public var status: CheckStatus {
            switch self {
            case .single(let report): report.status
            case .walk(let report): report.status
            }
        }
    }

    public var subject: Subject
    /// The names to check against; a server's defaults to its host.
    public var hostnames: [String] = []
    public var tlsa: [TLSARecord] = []
    public var caBundle: URL?
    public var warningDays = 20
    public var criticalDays = 7
    /// The limit of each network step.
    public var timeout: Duration = .seconds(10)
    /// What our EHLO says: this host's name unless the admin says otherwise.
    public var ehloName: String

    public init(subject: Subject, ehloName: String) {
        self.subject = subject
        self.ehloName = ehloName
    }

    public func run(store: any CertificateStore, now: Date) async throws -> Outcome {
        let trust = try LocalCheckSubject.trust(caBundle: caBundle)
        switch subject {
        case .domain(let domain, let port, let resolver):
            return .walk(try await walk(domain, port: port, resolver: resolver, trust: trust, now: now))
        case .server(let endpoint, let starttls, let serverName):
            let names = hostnames.isEmpty ? [endpoint.host] : hostnames
            let policy = policy(hostnames: names, trust: trust, tlsa: tlsa, now: now)
            let request = ProbeRequest(
                host: endpoint.host, port: endpoint.port, starttls: starttls, serverName: serverName ?? names.first,
                ehloName: ehloName, timeout: timeout)
            return .single(await BlockingWork.run { RemoteCheck.run(request, policy: policy) })
        case .stored(let name):
            return .single(local(try LocalCheckSubject.stored(name: name, store: store), "certificate '\(name)'", trust, now))
        case .files(let certificate, let chain, let key):
            let subject = try LocalCheckSubject.files(certificate: certificate, chain: chain, key: key)
            return .single(local(subject, certificate.path, trust, now))
        }
    }

    private func local(_ subject: CertificateUnderCheck, _ target: String, _ trust: TrustStore, _ now: Date)
        -> CheckReport
    {
        let policy = policy(hostnames: hostnames, trust: trust, tlsa: tlsa, now: now)
        return CheckReport(
            target: target, hostnames: hostnames, results: CertificateChecks.run(subject, policy: policy))
    }

    private func walk(_ domain: String, port: Int, resolver: DNSServerAddress?, trust: TrustStore, now: Date)
        async throws -> MXWalk.Report
    {
        let dns: DNSResolver
        do {
            dns = try resolver.map { DNSResolver(server: $0, timeout: timeout) } ?? DNSResolver.system(timeout: timeout)
        } catch {
            throw MailcertError(.badInput, "no DNS resolver to ask: \(error); give one with --resolver IP[:PORT]")
        }
        let request = MXWalk.Request(domain: domain, port: port, resolver: dns, ehloName: ehloName, timeout: timeout)
        let base = policy(hostnames: [], trust: trust, tlsa: [], now: now)
        return await BlockingWork.run {
            MXWalk.run(request) { host, tlsa in
                var policy = base
                policy.hostnames = [host]
                policy.tlsa = tlsa?.records ?? []
                policy.tlsaUnauthenticated = !(tlsa?.authenticated ?? false)
                return policy
            }
        }
    }

    private func policy(hostnames: [String], trust: TrustStore, tlsa: [TLSARecord], now: Date) -> CheckPolicy {
        CheckPolicy(
            hostnames: hostnames, trust: trust, now: now, warningDays: warningDays, criticalDays: criticalDays,
            tlsa: tlsa)
    }
}
