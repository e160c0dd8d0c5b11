import Foundation
import MailcertSystem
import MailcertCheck
import MailcertCrypto

/// The one step enable and renewal share: put a version where a daemon reads it (and reload it), then prove over
/// the wire that each service serves that version. The I/O edges (the process runner for postconf and reload
/// hooks, the probe) are values, so the use cases run in tests with fakes.
public struct DeployAndProve: Sendable {
    public var runner: any ProcessRunning
    public var probe: any ServiceProbing
    /// The EHLO name every proof presents: this host's name.
    public var ehloName: String

    public init(runner: any ProcessRunning, probe: any ServiceProbing, ehloName: String) {
        self.runner = runner
        self.probe = probe
        self.ehloName = ehloName
    }

    /// How one proof ended.
    public struct Proof: Codable, Equatable, Sendable {
        public var service: String
        /// "HOST:PORT" where it was proven.
        public var target: String
        public var proven: Bool
        /// "attempt N", or the last thing seen.
        public var detail: String
        /// The SHA-256 of the leaf that had to be served.
        public var sha256: String
        public var version: Int
    }

    /// Deploys `version` to a daemon service and records how, and that it has it, with the store's lock held
    /// (hence the writer). On failure the daemon's previous files are back and nothing is recorded.
    public func deploy(
        _ version: StoredVersion, to service: MailService, settings: DeploySettings, writer: any StoreWriter,
        files: ServedFiles, progress: Reporter
    ) throws {
        _ = try ServiceDeployer(service: service, settings: settings, runner: runner).deploy(version, files: files) {
            progress.note($0)
        }
        try Self.update(service, in: writer) { record in
            if record.certificate != version.name { record.provenVersion = nil }
            (record.settings, record.certificate, record.deployedVersion) = (settings, version.name, version.number)
            record.problem = nil
        }
    }

    /// Records what a proof showed: the version now proven, or why the service is behind.
    public static func record(_ proof: Proof, of name: String, in writer: any StoreWriter) throws {
        try update(MailService(rawValue: proof.service) ?? .smtp, in: writer) { record in
            record.certificate = name
            if proof.proven {
                (record.provenVersion, record.problem) = (proof.version, nil)
            } else {
                record.problem = "version \(proof.version) not proven at \(proof.target): \(proof.detail)"
            }
        }
    }

    /// Changes one service's record and saves the records.
    static func update(_ service: MailService, in writer: any StoreWriter, _ change: (inout DeployRecord) -> Void) throws {
        var records = try writer.deployRecords()
        change(&records.services[service.rawValue, default: DeployRecord()])
        try writer.saveDeployRecords(records)
    }

    /// Proves that `service` at `target` ("HOST:PORT") serves `version`, asking with `serverName` as SNI (else the
    /// leaf's first name that is not a wildcard), retrying for `window` seconds.
    public func prove(
        _ version: StoredVersion, service: MailService, target: String, serverName: String?, window: Double
    ) throws -> Proof {
        let leaf = try version.certificate()
        guard let request = request(service: service, target: target, serverName: serverName, leaf: leaf) else {
            return Proof(
                service: service.rawValue, target: target, proven: false,
                detail: "\(target) is not HOST:PORT", sha256: leaf.sha256Thumbprint, version: version.number)
        }
        let outcome = probe.waitUntilServed(sha256: leaf.sha256Thumbprint, at: request, within: window)
        let (proven, detail): (Bool, String) =
            switch outcome {
            case .proven(let attempts): (true, "attempt \(attempts)")
            case .failed(let lastSeen): (false, lastSeen)
            }
        return Proof(
            service: service.rawValue, target: request.target, proven: proven, detail: detail,
            sha256: leaf.sha256Thumbprint, version: version.number)
    }

    /// A probe of `target` ("HOST:PORT", "[V6]:PORT") the way `service` starts TLS.
    func request(service: MailService, target: String, serverName: String?, leaf: Certificate) -> ProbeRequest? {
        guard let endpoint = try? Endpoint.parse(target, defaultPort: service.conventionalEndpoint.port) else {
            return nil
        }
        return ProbeRequest(
            host: endpoint.host, port: endpoint.port, starttls: service.conventionalEndpoint.starttls,
            serverName: serverName ?? leaf.dnsNames.first(where: { !$0.hasPrefix("*") }), ehloName: ehloName,
            timeout: .seconds(5))
    }
}
