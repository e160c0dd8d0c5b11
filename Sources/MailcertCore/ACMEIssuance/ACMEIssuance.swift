import ACME
import Foundation
import MailcertCrypto

/// `mailcert request --acme`: a CA-signed certificate over ACME, stored as a new version of NAME in one switch.
///
/// Nothing touches the store until the CA has issued: a failed order leaves the version in service as it was. The
/// new version replaces whatever was current, a self-signed fallback included. The options are kept as
/// `renewal.json` for `renew`.
public struct ACMEIssuance: Sendable {
    public var name: String
    public var options: ACMEOptions
    public var key: KeySelection
    public var eab: ExternalAccountBinding?
    /// ARI identifier of the certificate being replaced, sent as `replaces`.
    public var replaces: String?

    public init(name: String, options: ACMEOptions, key: KeySelection, eab: ExternalAccountBinding?, replaces: String? = nil) {
        self.name = name
        self.options = options
        self.key = key
        self.eab = eab
        self.replaces = replaces
    }

    /// What was stored, and how many requests the order cost.
    public struct Outcome: Sendable {
        public let version: StoredVersion
        public let requests: Int
    }

    /// `now` is read when each step needs the time: an order spans network round trips, and the stored version is
    /// dated when it is stored.
    public func run(
        store: any CertificateStore, transport: HTTPTransport, now: @Sendable () -> Date,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Outcome {
        let directoryURL = try ACMEOptions.directoryURL(options.server)
        let privateKey = try key.key(for: name, store: store, preferPending: false)
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(key: privateKey, hostnames: options.hostnames) } catch {
            throw MailcertError.wrapping(error, "cannot make a CSR for '\(name)'; nothing was changed")
        }
        if let profile = options.profile {
            try await ACMEProfiles(directoryURL: directoryURL).check(profile, transport: transport)
        }
        let chain: IssuedChain
        let client: ACMEClient
        do {
            (client, chain) = try await order(csr: csr, directoryURL: directoryURL, store: store, transport: transport, now: now, progress: progress)
        } catch let error as ACMEError {
            throw MailcertError(.acme, "cannot obtain a certificate for '\(name)' from \(directoryURL): \(error.message); "
                + "nothing was changed, the certificate in service stays")
        }
        guard chain.leaf.matches(privateKey) else {
            throw MailcertError(.acme, "the CA issued a certificate for another key than the one of '\(name)'s CSR; nothing was changed")
        }
        let version = try store.write { writer in
            let version = try writer.addVersion(
                name: name, key: privateKey, certificate: chain.leaf, chain: chain.intermediates, source: .acme, now: now())
            try writer.saveRenewalOptions(name: name, options: options)
            return version
        }
        return Outcome(version: version, requests: await client.requestCount)
    }

    /// Opens the account and runs the order. An account the CA no longer knows (a test CA reset, an account
    /// deactivated elsewhere) is found or registered anew once, and the order placed again.
    private func order(
        csr: CertificateSigningRequest, directoryURL: String, store: any CertificateStore, transport: HTTPTransport,
        now: @Sendable () -> Date, progress: @escaping @Sendable (String) -> Void
    ) async throws -> (ACMEClient, IssuedChain) {
        var forgetRecord = false
        while true {
            let client = try await ACMEAccountSession.open(
                directoryURL: directoryURL, store: store, transport: transport, email: options.email, eab: eab, now: now(),
                forgetRecord: forgetRecord, progress: progress)
            let flow = OrderFlow(client: client, solver: try solver(), progress: progress)
            do {
                let chain = try await flow.obtain(
                    hostnames: options.hostnames, csrDER: csr.der, replaces: replaces,
                    preferredChain: options.preferredChain, profile: options.profile)
                return (client, chain)
            } catch let error as ACMEError where error.problem?.shortType == "accountDoesNotExist" && !forgetRecord {
                progress("the CA no longer knows the stored account (\(error.problem!)); finding or registering it again")
                forgetRecord = true
            }
        }
    }

    private func solver() throws -> ChallengeSolver {
        switch options.challenge {
        case .dns01:
            if let server = options.dnsUpdate, let keyFile = options.tsigKey {
                return try DNS01UpdateSolver(server: server, keyFile: keyFile, authoritative: options.dnsAuthoritative)
            }
            guard let hook = options.dnsHook else { throw MailcertError(.badInput, "dns-01 needs --dns-hook CMD") }
            return DNS01HookSolver(command: hook)
        case .http01:
            if let webroot = options.webroot { return HTTP01WebrootSolver(webroot: URL(fileURLWithPath: webroot)) }
            return HTTP01StandaloneSolver.shared(host: options.httpAddress ?? "0.0.0.0", port: options.httpPort ?? 80)
        }
    }
}
