import Foundation

/// Whether a bound service serves the version of its certificate that is in service, from what the store recorded:
/// what `list`, the metrics and `renew` report. A service is stale when a daemon was not given `current` (its last
/// deploy failed, or a renewal put a newer version in service since), when it was not proven serving `current` where
/// it can be proven, or when its last deploy or proof failed.
public struct ServiceStatus: Codable, Equatable, Sendable {
    public var service: String
    public var name: String
    public var current: Int?
    public var deployed: Int?
    public var proven: Int?
    /// Where it is proven; nil when nowhere is known (`enable --no-prove`, or no running listener).
    public var target: String?
    public var stale: Bool
    /// Why it is stale, in words.
    public var reason: String?

    /// `postfix`, or for a stale service `postfix (serving v3, current v4)`.
    public var label: String {
        guard stale, let current else { return service }
        let serving = target != nil ? proven : deployed
        guard serving != current else { return "\(service) (its last deploy or proof failed)" }
        return "\(service) (\(serving.map { "serving v\($0)" } ?? "serving nothing of it"), current v\(current))"
    }

    public static func of(
        _ service: MailService, name: String, current: Int?, record: DeployRecord?, target: String?
    ) -> ServiceStatus {
        let same = record?.certificate == name
        var status = ServiceStatus(
            service: service.rawValue, name: name, current: current, deployed: same ? record?.deployedVersion : nil,
            proven: same ? record?.provenVersion : nil, target: target, stale: false)
        guard let current else { return status }
        var reasons: [String] = []
        if !service.isBundledListener {
            if record?.settings == nil {
                reasons.append("no deploy settings: run 'mailcert enable --service \(service.rawValue)' again")
            } else if status.deployed != current {
                reasons.append("deployed \(status.deployed.map { "v\($0)" } ?? "no version of it"), current v\(current)")
            }
        }
        if let target, status.proven != current {
            reasons.append("last proven at \(target): \(status.proven.map { "v\($0)" } ?? "never")")
        }
        // A failure counts where something can be done about it: a daemon, or a place the service is proven at.
        if let problem = record?.problem, target != nil || !service.isBundledListener { reasons.append(problem) }
        status.stale = !reasons.isEmpty
        status.reason = reasons.isEmpty ? nil : reasons.joined(separator: "; ")
        return status
    }

    /// Every bound service of the store, sorted by service name.
    public static func all(
        in store: any StoreReader, isRunning: @escaping (Int32) -> Bool = ListenerEndpoints.processRuns
    ) throws -> [ServiceStatus] {
        let records = try store.deployRecords()
        let places = try ProofPlaces(store: store, isRunning: isRunning)
        return try store.bindings().services.sorted { $0.key < $1.key }.compactMap { serviceName, name -> ServiceStatus? in
            guard let service = MailService(rawValue: serviceName) else { return nil }
            return of(
                service, name: name, current: (try? store.currentVersion(of: name))?.number,
                record: records.services[serviceName], target: places.target(for: service))
        }
    }
}

/// Where each service is proven: the place `enable --connect` (or, for a daemon, `enable`) recorded, else for the
/// bundled listener's services where a running `mailcert serve` says it listens.
struct ProofPlaces {
    let recorded: ProofTargets
    let listeners: ListenerEndpoints
    let isRunning: (Int32) -> Bool

    init(store: any StoreReader, isRunning: @escaping (Int32) -> Bool = ListenerEndpoints.processRuns) throws {
        recorded = (try? store.proofTargets()) ?? ProofTargets()
        listeners = (try? store.listenerEndpoints()) ?? ListenerEndpoints()
        self.isRunning = isRunning
    }

    func target(for service: MailService, note: (String) -> Void = { _ in }) -> String? {
        if let explicit = recorded.targets[service.rawValue] { return explicit }
        guard service.isBundledListener else { return nil }
        return listeners.proofTarget(for: service, isRunning: isRunning, note: note)
    }
}
