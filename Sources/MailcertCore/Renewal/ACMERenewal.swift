import ACME
import Foundation
import MailcertCrypto

/// Makes the HTTP transport for a CA, given the extra roots the certificate's options name.
public typealias TransportFactory = @Sendable (_ caBundle: String?) -> HTTPTransport

/// `mailcert renew --name NAME [--force]`: renews one ACME certificate with the options it was obtained with, when
/// the renewal policy says it is due (or always, with `force`). The order names its predecessor (`replaces`) when
/// the CA offers ARI.
public struct ACMERenewal: Sendable {
    public var name: String
    public var force: Bool
    /// Picks the moment inside an ARI window (0..<1); the CLI passes a random number.
    public var randomFraction: Double

    public init(name: String, force: Bool, randomFraction: Double) {
        self.name = name
        self.force = force
        self.randomFraction = randomFraction
    }

    /// With `dryRun` the decision is made (ARI included) but no order is placed and nothing in the store changes.
    public var dryRun = false

    public enum Outcome: Sendable {
        case renewed(ACMEIssuance.Outcome, reason: String)
        case notDue(until: Date, reason: String)
        /// A dry run's answer for a certificate that is due.
        case wouldRenew(reason: String)
    }

    public func run(
        store: any CertificateStore, transport: TransportFactory, now: @escaping @Sendable () -> Date,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> Outcome {
        let options = try Self.options(of: name, store: store)
        guard let current = try store.currentVersion(of: name) else {
            throw MailcertError(.notFound, "certificate '\(name)' has no version in service; use 'mailcert request --acme'")
        }
        let leaf = try current.certificate()
        let http = transport(options.caBundle)
        let reason: String
        if force {
            reason = "renewal forced"
        } else if leaf.isSelfSigned {
            // A fallback put in service after a failed renewal: ACME replaces it at the first chance.
            reason = "a self-signed fallback is in service"
        } else {
            let info = try await renewalInfo(
                for: leaf, options: options, store: store, transport: http, now: now(), progress: progress)
            switch RenewalPolicy.decision(
                notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter, renewalInfo: info, now: now(),
                randomFraction: randomFraction)
            {
            case .notDue(let until, let why): return .notDue(until: until, reason: why)
            case .renewNow(let why): reason = why
            }
        }
        if dryRun { return .wouldRenew(reason: reason) }
        progress("renewing '\(name)': \(reason)")
        let key = KeySelection.generate(options.keyType.flatMap(KeyType.init(rawValue:)))
        let outcome = try await ACMEIssuance(name: name, options: options, key: key, eab: nil, replaces: leaf.ariIdentifier)
            .run(store: store, transport: http, now: now, progress: progress)
        return .renewed(outcome, reason: reason)
    }

    /// The options `request --acme` kept for `name`.
    public static func options(of name: String, store: any StoreReader) throws -> ACMEOptions {
        guard let options = try store.renewalOptions(of: name) else {
            throw MailcertError(
                .notFound,
                "certificate '\(name)' was not obtained over ACME (\(store.location(of: .renewalOptions(name))) does "
                    + "not exist); nothing was changed; obtain it with 'mailcert request --acme' first")
        }
        return options
    }

    /// The CA's ARI window, or nil when it offers none or cannot say (the lifetime rule applies then). The CA is not
    /// asked again before the Retry-After of its last answer (RFC 9773 section 4.3): the kept window stands until
    /// then. Each answer is kept (not on a dry run), and its explanation URL shown.
    private func renewalInfo(
        for leaf: Certificate, options: ACMEOptions, store: any CertificateStore, transport: HTTPTransport, now: Date,
        progress: @Sendable (String) -> Void
    ) async throws -> RenewalInfo? {
        guard let id = leaf.ariIdentifier else { return nil }
        // A kept answer that cannot be read is asked for again, and replaced.
        let kept = (try? store.renewalInfo(of: name)) ?? nil
        let window = RenewalPolicy.window(for: leaf, stored: kept)
        if let kept, let window, kept.holdsOff(at: now) {
            progress(
                "\(name): using the renewal window the CA gave on \(DateText.instant(kept.fetched)); it asked not to "
                    + "be asked again before \(DateText.instant(kept.retryAfter ?? now))")
            explain(window, progress)
            return window
        }
        let directoryURL = try ACMEOptions.directoryURL(options.server)
        // ARI is fetched unauthenticated; the key only satisfies the client's shape.
        let stored = try? store.account(directoryURL: directoryURL)
        let key = try stored?.key ?? PrivateKey.generate(.ecdsaP256)
        let client = ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key)
        do {
            guard let (info, retryAfter) = try await client.renewalInfo(certificateID: id) else { return nil }
            let answer = StoredRenewalInfo(
                certificateID: id, suggestedWindow: info.suggestedWindow, explanationURL: info.explanationURL,
                retryAfter: RetryAfter.date(retryAfter, now: now), fetched: now)
            if !dryRun { keep(answer, store: store, progress: progress) }
            explain(info, progress)
            return info
        } catch {
            if let kept, let window {
                progress(
                    "the CA's renewal information is unavailable (\(error)); using the window it gave on "
                        + DateText.instant(kept.fetched))
                return window
            }
            progress("the CA's renewal information is unavailable (\(error)); using the lifetime rule")
            return nil
        }
    }

    /// A CA that explains its window (an incident, a revocation) is quoted, so the operator can read why.
    private func explain(_ info: RenewalInfo, _ progress: @Sendable (String) -> Void) {
        guard let url = info.explanationURL else { return }
        progress("\(name): the CA explains its renewal window at \(url)")
    }

    /// Failing to keep the answer costs only a request next time, never the renewal.
    private func keep(_ answer: StoredRenewalInfo, store: any CertificateStore, progress: @Sendable (String) -> Void) {
        do { try store.write { writer in try writer.saveRenewalInfo(name: name, info: answer) } } catch {
            progress("\(name): cannot keep the CA's renewal information (\(error)); it is asked for again next time")
        }
    }
}
