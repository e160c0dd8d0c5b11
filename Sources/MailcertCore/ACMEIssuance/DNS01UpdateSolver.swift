import ACME
import Foundation
import MailcertDNS

/// dns-01 without a hook: the TXT record is added and deleted with DNS UPDATE (RFC 2136) signed with a TSIG key, at
/// the zone's primary server; the zone is found by asking that server for SOA records up the name.
///
/// `present` returns only when every authoritative server of the zone answers the record, so the CA never asks a
/// server that has not caught up (a secondary still waiting for NOTIFY); `cleanUp` deletes the record on every path,
/// even after a cancelled order, as the hook solver's `del` does.
struct DNS01UpdateSolver: ChallengeSolver {
    let server: DNSServerAddress
    let keyFile: String
    /// The servers to wait for; nil: the zone's NS hosts, resolved with the system resolver.
    let authoritative: [DNSServerAddress]?
    var propagationTimeout: Duration = .seconds(300)
    var pollInterval: Duration = .milliseconds(500)
    var challengeType: String { "dns-01" }

    init(server: String, keyFile: String, authoritative: [String]?) throws {
        do {
            self.server = try DNSServerAddress(parsing: server)
            self.authoritative = try authoritative.map { try $0.map(DNSServerAddress.init(parsing:)) }
        } catch {
            throw ACMEError(.solver, "dns-01 over DNS UPDATE: \(error)")
        }
        self.keyFile = keyFile
    }

    func present(_ task: ChallengeTask) async throws {
        let record = try Self.solving { try DNSUpdateRecord.txt(task.dnsRecordName, task.dnsValue) }
        let (server, keyFile) = (server, keyFile)
        let zone = try await Self.onOwnThread {
            try Self.solving { try DNSUpdateClient(server: server, key: try TSIGKey.load(keyFile)).add(record) }
        }
        try await waitUntilVisible(record, zone: zone, value: task.dnsValue)
    }

    func cleanUp(_ task: ChallengeTask) async {
        let (server, keyFile) = (server, keyFile)
        // Not a child of the (possibly cancelled) order task: the record must go whatever happened.
        _ = await Task.detached {
            try? await Self.onOwnThread {
                let record = try DNSUpdateRecord.txt(task.dnsRecordName, task.dnsValue)
                try DNSUpdateClient(server: server, key: try TSIGKey.load(keyFile)).delete(record)
            }
        }.value
    }

    /// Polls every authoritative server until each answers `value` at the record's name.
    private func waitUntilVisible(_ record: DNSUpdateRecord, zone: String, value: String) async throws {
        let servers = try await Self.onOwnThread { [authoritative] in
            try authoritative ?? Self.solving { try Self.nameServerAddresses(zone) }
        }
        let deadline = ContinuousClock.now + propagationTimeout
        var waiting = servers
        while true {
            let pending = waiting
            waiting = try await Self.onOwnThread {
                pending.filter { server in
                    let values = try? DNSResolver(server: server, timeout: .seconds(2), attempts: 1).txt(record.name)
                    return !(values ?? []).contains(value)
                }
            }
            if waiting.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw ACMEError(
                    .solver,
                    "the TXT record \(record.name) added at \(server) (zone \(zone)) is still not answered by"
                        + " \(waiting.map(\.description).joined(separator: ", ")) after \(propagationTimeout);"
                        + " check that they are the zone's authoritative servers and receive its updates")
            }
            try await Task.sleep(for: pollInterval)  // throws at once when the order is cancelled
        }
    }

    /// The addresses of the zone's NS hosts, as the system resolver gives them.
    private static func nameServerAddresses(_ zone: String) throws -> [DNSServerAddress] {
        let resolver = try DNSResolver.system()
        let hosts = try resolver.nameServers(zone)
        let addresses = try hosts.flatMap { try resolver.addresses($0) }.map(DNSServerAddress.init(parsing:))
        guard !addresses.isEmpty else {
            throw DNSError(
                .noResolver,
                "zone \(zone) has no name server with an address (NS: \(hosts.joined(separator: ", ")));"
                    + " give them with --dns-authoritative ADDR")
        }
        return addresses
    }

    /// DNS and key file errors as the solver errors the order flow reports.
    private static func solving<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DNSError { throw ACMEError(.solver, error.message) }
    }

    /// Blocking DNS exchanges run on a thread of their own, off the cooperative pool.
    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
