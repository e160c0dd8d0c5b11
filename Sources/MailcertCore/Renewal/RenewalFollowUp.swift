import Foundation
import MailcertCheck

/// What happens after a certificate was renewed: every daemon bound to it (postfix, dovecot, exim) gets the new files
/// the way `enable` deployed them (STATE/deploy.json), its deploy hooks run, then every service bound to it is proven
/// to serve the new leaf where `enable` last proved it (STATE/proofs.json).
///
/// The new version is already in the store's `current` when this runs, so a failure here is reported and makes the
/// run fail, but the store is not rolled back: a daemon whose reload failed has its previous files back and keeps
/// serving the old certificate, and the old version is still in the store for a human.
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
        let failedDeploys = redeploy(version, services: services, store: store, progress: progress)
        var problems = failedDeploys.map(\.problem)
        let environment = HookEnvironment(current: version, paths: store.paths, service: services.joined(separator: " "))
        for outcome in hooks.run(.deploy, environment: environment, progress: progress) where outcome.failed {
            problems.append("\(name): \(outcome.message)")
        }
        let targets = ProofTargets.load(store.paths)
        // A daemon whose redeploy failed serves the old certificate by design: proving that would say nothing new.
        for serviceName in services where !failedDeploys.contains(where: { $0.service.rawValue == serviceName }) {
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

    /// Deploys `version` to each bound daemon that `enable` deployed, with the store's lock held; returns the
    /// failures, each with one line "NAME: SERVICE: why".
    private func redeploy(
        _ version: StoredVersion, services: [String], store: FileCertificateStore, progress: (String) -> Void
    ) -> [(service: MailService, problem: String)] {
        let daemons = services.compactMap(MailService.init(rawValue:)).filter { !$0.isBundledListener }
        guard !daemons.isEmpty else { return [] }
        let name = version.name
        do {
            return try store.write { _ in
                let records = try DeployRecords.load(store.paths)
                return daemons.compactMap { service -> (service: MailService, problem: String)? in
                    guard let settings = records.services[service.rawValue] else {
                        progress(
                            "\(name): \(service.rawValue) has no deploy settings in deploy.json; 'mailcert enable' "
                                + "records them")
                        return nil
                    }
                    do {
                        _ = try ServiceDeployer(service: service, settings: settings).deploy(
                            version, paths: store.paths, progress: { progress("\(name): \($0)") })
                        return nil
                    } catch {
                        return (
                            service,
                            "\(name): \(service.rawValue): redeploy of version \(version.number) failed: \(error) "
                                + "(version \(version.number) stays in the store's current/)"
                        )
                    }
                }
            }
        } catch {
            return daemons.map { ($0, "\(name): \($0.rawValue): not redeployed: \(error)") }
        }
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
