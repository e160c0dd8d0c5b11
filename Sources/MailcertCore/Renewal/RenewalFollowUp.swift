import Foundation
import MailcertCheck

/// What happens after a certificate was renewed: its deploy hooks run, then every service bound to it is proven to
/// serve the new leaf where `enable` last proved it (STATE/proofs.json).
///
/// The new version is already in service when this runs (the store switched `current`), so a failure here is
/// reported and makes the run fail, but nothing is undone: the old version is still in the store for a human.
public struct RenewalFollowUp: Sendable {
    public var hooks: HookRunner
    /// How long each bound service gets to serve the new certificate (its reload takes a moment).
    public var proofWindow: Double

    public init(hooks: HookRunner, proofWindow: Double) {
        self.hooks = hooks
        self.proofWindow = proofWindow
    }

    /// Runs the deploy hooks and the proofs for `name`; returns the problems, each one line (empty: all went well).
    public func run(name: String, store: FileCertificateStore, progress: (String) -> Void) -> [String] {
        guard let version = try? store.currentVersion(of: name), let leaf = try? version.certificate() else {
            return ["\(name): no version in service to deploy"]
        }
        let bindings = (try? Bindings.load(store.paths)) ?? Bindings()
        let services = bindings.services(boundTo: name)
        var problems: [String] = []
        let environment = HookEnvironment(current: version, paths: store.paths, service: services.joined(separator: " "))
        for outcome in hooks.run(.deploy, environment: environment, progress: progress) where outcome.failed {
            problems.append("\(name): \(outcome.message)")
        }
        let targets = ProofTargets.load(store.paths)
        for serviceName in services {
            guard let service = MailService(rawValue: serviceName), let target = targets.targets[serviceName],
                let request = Self.request(service: service, target: target, leafNames: leaf.dnsNames)
            else {
                progress("\(name): \(serviceName) has no recorded place to prove it ('mailcert enable' records one)")
                continue
            }
            switch ServedProof.wait(for: leaf.sha256Thumbprint, at: request, within: proofWindow) {
            case .proven:
                progress("\(name): \(serviceName) proven: \(request.target) serves the renewed certificate")
            case .failed(let lastSeen):
                problems.append(
                    "\(name): \(serviceName) at \(request.target) did not serve the renewed certificate within "
                        + "\(proofWindow) s (last: \(lastSeen)); the new version is in the store's current/")
            }
        }
        return problems
    }

    /// A probe of `target` ("HOST:PORT", "[V6]:PORT") the way `service` starts TLS.
    static func request(service: MailService, target: String, leafNames: [String]) -> ProbeRequest? {
        guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]) else {
            return nil
        }
        var host = String(target[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return ProbeRequest(
            host: host, port: port, starttls: service.conventionalEndpoint.starttls,
            serverName: leafNames.first(where: { !$0.hasPrefix("*") }), timeout: .seconds(5))
    }
}
