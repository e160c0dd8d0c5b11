import Foundation
import MailcertCheck
import MailcertCrypto

/// `mailcert enable`: bind a certificate to services, like Enable-ExchangeCertificate, then prove it is served.
///
/// The version in service is read once, under the store's lock, and that same version is checked, deployed, bound
/// and proven: a renewal landing meanwhile cannot make the checked and the proven certificate differ. The proofs run
/// after the lock is released (they wait for daemons), so a renewal is never held up by them.
public struct Enable: Sendable {
    /// Which certificate: by name, or by the thumbprint `list` shows.
    public enum Choice: Sendable {
        case name(String)
        case thumbprint(String)
    }

    public var certificate: Choice
    public var services: [MailService]
    /// The names the services answer to; empty: the certificate's own.
    public var hostnames: [String] = []
    public var caBundle: URL?
    /// Bind even when the check refuses the certificate.
    public var force = false
    /// Where to prove (one service), "HOST:PORT"; nil: where a running `serve` listens (smtp, submission), else
    /// 127.0.0.1 on the service's conventional port.
    public var connect: String?
    public var prove = true
    public var proofWindow: Double = 10
    /// How to deploy each daemon service (postfix, dovecot, exim).
    public var deploySettings: [MailService: DeploySettings] = [:]
    /// The installed renew service whose sandbox must follow the daemons bound (nil: none to look after).
    public var sandbox: RenewalSandbox?
    /// Whether a listener recorded in the store still runs (tests script it).
    public var isRunning: @Sendable (Int32) -> Bool = ListenerEndpoints.processRuns

    public init(certificate: Choice, services: [MailService]) {
        self.certificate = certificate
        self.services = services
    }

    /// What `enable --json` prints.
    public struct Report: Encodable, Sendable {
        public struct Binding: Encodable, Sendable {
            public let service: String
            public let previous: String?
        }

        public let name: String
        public let sha256: String
        public let version: Int
        public let checks: [CheckResult]
        /// The check's refusals that `force` overrode, one line each.
        public let forcedPast: [String]
        public var services: [Binding] = []
        public var proofs: [DeployAndProve.Proof] = []
        /// What changed in the renew service's sandbox, if anything.
        public var sandbox: String?

        /// One error line per service that did not serve the certificate within `window` seconds: the binding
        /// stands, so the message says what to start or check.
        public func unprovenLines(window: Double) -> [String] {
            proofs.filter { !$0.proven }.map { proof in
                "\(proof.service) is bound to the certificate, but \(proof.target) did not serve it within "
                    + "\(window) s (last: \(proof.detail)); the binding is recorded: start 'mailcert serve' "
                    + "there, or check --connect"
            }
        }

        /// What `enable` prints: one line per binding, then one per proven service.
        public var lines: [String] {
            services.map { binding in
                let was = binding.previous.map { $0 == name ? " (already)" : " (was \($0))" } ?? ""
                return "\(binding.service): bound to \(name)\(was)"
            }
                + proofs.filter(\.proven).map {
                    "\($0.service): proven: \($0.target) serves sha256 \($0.sha256.prefix(16))… (\($0.detail))"
                } + (sandbox.map { ["renew service: \($0)"] } ?? [])
        }
    }

    public func run(store: any CertificateStore, steps: DeployAndProve, now: Date, progress: Reporter) throws
        -> Report
    {
        let (version, bound) = try store.write { writer in
            let name = try resolve(writer)
            guard let version = try writer.currentVersion(of: name) else {
                throw MailcertError(
                    .notFound,
                    "certificate '\(name)' has no version in service in \(writer.location(of: .certificate(name))); "
                        + "'mailcert list' shows the names there are")
            }
            let check = try BindingCheck.run(version: version, hostnames: hostnames, caBundle: caBundle, now: now)
            for result in check.results where result.status != .ok {
                progress.note("check \(result.check): \(result.status.rawValue.uppercased()): \(result.reason)")
            }
            let forcedPast = try judge(check, name: name, progress: progress)
            try deployDaemons(version, writer: writer, files: store.servedFiles(of: name), steps: steps, progress: progress)
            let previous = try ServiceBinding.bind(services, to: name, in: writer)
            for service in services where service.isBundledListener {
                // The listener serves what is bound: bound is deployed.
                try DeployAndProve.update(service, in: writer) { record in
                    if record.certificate != name { record.provenVersion = nil }
                    (record.certificate, record.deployedVersion, record.problem) = (name, version.number, nil)
                }
            }
            if prove {
                var targets = try writer.proofTargets()
                for service in services { targets.targets[service.rawValue] = recordedTarget(for: service) }
                try writer.saveProofTargets(targets)
            }
            var report = Report(
                name: name, sha256: try version.certificate().sha256Thumbprint, version: version.number,
                checks: check.results, forcedPast: forcedPast)
            report.services = services.map { Report.Binding(service: $0.rawValue, previous: previous[$0] ?? nil) }
            return (version, report)
        }
        var report = bound
        report.sandbox = Self.refresh(sandbox, store: store, progress: progress)
        guard prove else { return report }
        var proven = report
        let places = try ProofPlaces(store: store, isRunning: isRunning)
        var recordable: [DeployAndProve.Proof] = []
        proven.proofs = try services.map { service in
            let found = places.target(for: service, note: progress.note)
            let proof = try steps.prove(
                version, service: service, target: found ?? conventionalTarget(for: service),
                serverName: hostnames.first, window: proofWindow)
            // A guess (no listener said where it is) is proven but not remembered: renewals would not look there.
            if found != nil || proof.proven { recordable.append(proof) }
            return proof
        }
        do {
            try store.write { writer in
                for proof in recordable { try DeployAndProve.record(proof, of: report.name, in: writer) }
            }
        } catch {
            progress.warn("\(error); the proofs were not recorded: the next 'mailcert renew' proves again")
        }
        return proven
    }

    /// Rewrites the renew service's drop-in for the daemons now bound; a failure is a warning, the binding stands.
    static func refresh(_ sandbox: RenewalSandbox?, store: any CertificateStore, progress: Reporter) -> String? {
        do { return try sandbox?.refresh(for: store) } catch {
            progress.warn("\(error); the renew service may not be allowed to redeploy: run 'mailcert timer install'")
            return nil
        }
    }

    private func resolve(_ store: any StoreReader) throws -> String {
        switch certificate {
        case .name(let name): return try CertificateName.validate(name)
        case .thumbprint(let hex): return try CertificateLookup.name(forThumbprint: hex, in: store)
        }
    }

    /// Refuses on a blocker, or (forced) warns and returns what was overridden.
    private func judge(_ check: BindingCheck, name: String, progress: Reporter) throws -> [String] {
        guard !check.blockers.isEmpty else { return [] }
        let reasons = check.blockers.map { "\($0.check): \($0.reason)" }
        guard force else {
            throw MailcertError(
                .badInput,
                "certificate '\(name)' cannot serve \(services.map(\.rawValue).joined(separator: ",")): "
                    + "\(reasons.joined(separator: "; ")); nothing was bound (--force binds anyway)")
        }
        progress.warn("binding \(name) despite: \(reasons.joined(separator: "; ")) (--force)")
        return reasons
    }

    /// Deploys to each daemon service before anything is bound. A failed deploy (its files already back in place)
    /// stops here with nothing bound; daemons deployed before it in the same run keep the new files.
    private func deployDaemons(
        _ version: StoredVersion, writer: any StoreWriter, files: ServedFiles, steps: DeployAndProve,
        progress: Reporter
    ) throws {
        for service in services where !service.isBundledListener {
            guard let settings = deploySettings[service] else {
                throw MailcertError(.badInput, "no deploy settings for \(service.rawValue); nothing was bound")
            }
            do {
                try steps.deploy(
                    version, to: service, settings: settings, writer: writer, files: files, progress: progress)
            } catch let error as MailcertError {
                throw MailcertError(error.code, "\(error.message); bindings.json was not changed")
            }
        }
    }

    /// What proofs.json keeps for `service`: --connect; for a daemon, else its conventional place. The bundled
    /// listener's services without --connect keep nothing: they are proven where `serve` says it listens, found
    /// anew each time, so a listener moved to another port is followed.
    func recordedTarget(for service: MailService) -> String? {
        connect ?? (service.isBundledListener ? nil : conventionalTarget(for: service))
    }

    /// 127.0.0.1 on the service's conventional port.
    func conventionalTarget(for service: MailService) -> String {
        "127.0.0.1:\(service.conventionalEndpoint.port)"
    }
}

/// `mailcert disable --service S`: unbind services (the certificate stays in the store).
public struct Disable: Sendable {
    public var services: [MailService]
    /// The installed renew service whose sandbox must follow the daemons bound (nil: none to look after).
    public var sandbox: RenewalSandbox?

    public init(services: [MailService]) { self.services = services }

    /// The certificate each service was bound to (absent: it was not bound), and what changed in the renew
    /// service's sandbox.
    public func run(store: any CertificateStore, progress: Reporter) throws -> (removed: [MailService: String], sandbox: String?) {
        let removed = try store.write { writer in try ServiceBinding.unbind(services, in: writer) }
        return (removed, Enable.refresh(sandbox, store: store, progress: progress))
    }
}
