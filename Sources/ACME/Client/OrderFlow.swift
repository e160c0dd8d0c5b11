import Foundation
import MailcertCrypto
import Synchronization

/// What an order produced: the chain the CA issued, leaf first.
public struct IssuedChain: Sendable {
    public let certificates: [Certificate]
    public let orderURL: String
    public let certificateURL: String

    public var leaf: Certificate { certificates[0] }
    public var intermediates: [Certificate] { Array(certificates.dropFirst()) }
}

/// One certificate order from start to download (RFC 8555 section 7.4), read as its steps: place the order, solve
/// every authorization in parallel, finalize with the CSR, wait, download (choosing a preferred chain).
public struct OrderFlow: Sendable {
    public let client: ACMEClient
    public let solver: ChallengeSolver
    /// One line per step, for the operator (stderr in the CLI).
    public let progress: @Sendable (String) -> Void
    /// How long to wait for the CA to validate or issue before giving up.
    public var deadline: Duration = .seconds(300)

    public init(client: ACMEClient, solver: ChallengeSolver, progress: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.solver = solver
        self.progress = progress
    }

    /// `profile` must be one the directory offers; it is checked before anything is ordered.
    public func obtain(
        hostnames: [String], csrDER: [UInt8], replaces: String?, preferredChain: String?, profile: String? = nil
    ) async throws -> IssuedChain {
        var (orderURL, order) = try await placeOrder(hostnames: hostnames, replaces: replaces, profile: profile)
        progress("order \(orderURL): \(order.status)")
        if order.status == "pending" {
            order = try await authorize(order, orderURL: orderURL)
        }
        if order.status == "ready" {
            progress("finalizing with the CSR")
            let (finalized, retryAfter) = try await client.finalize(order, csrDER: csrDER)
            order = finalized
            if order.status == "processing" {
                order = try await waitForOrder(orderURL, leaving: ["processing"], retryAfter: retryAfter, waitFirst: true)
            }
        }
        guard order.status == "valid", let certificateURL = order.certificate else {
            throw ACMEError(.problem, "order \(orderURL) ended \(order.status)" + (order.error.map { ": \($0)" } ?? ""), problem: order.error)
        }
        progress("downloading the certificate")
        let pem = try await downloadChain(certificateURL, preferred: preferredChain)
        let certificates: [Certificate]
        do { certificates = try Certificate.parseAll(Array(pem.utf8)) } catch {
            throw ACMEError(.malformedResponse, "\(certificateURL): the CA's certificate chain does not parse: \(error)")
        }
        return IssuedChain(certificates: certificates, orderURL: orderURL, certificateURL: certificateURL)
    }

    /// Solves every pending authorization of the order at once, then waits on the order alone (one request per
    /// look, however many names) until it is ready or invalid. Answers are withdrawn in every case.
    private func authorize(_ order: Order, orderURL: String) async throws -> Order {
        try await solver.prepare()
        let presented = PresentedChallenges()
        let outcome: Result<Order, Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for url in order.authorizations { group.addTask { try await startAuthorization(url, presented: presented) } }
                try await group.waitForAll()
            }
            outcome = .success(try await waitForOrder(orderURL, leaving: ["pending"], retryAfter: nil, waitFirst: !presented.all.isEmpty))
        } catch {
            outcome = .failure(error)
        }
        // Every answer published is withdrawn, whichever step failed and whichever authorization it was.
        for task in presented.all { await solver.cleanUp(task) }
        await solver.finish()
        let final = try outcome.get()
        if final.status == "invalid" { try await explainInvalid(final) }
        if final.status == "ready" || final.status == "valid" { progress("all \(final.identifiers.count) name(s) validated") }
        return final
    }

    /// Publishes the answer for one authorization (recording it in `presented`) and asks the CA to validate it.
    private func startAuthorization(_ url: String, presented: PresentedChallenges) async throws {
        let authorization = try await client.authorization(url)
        let hostname = authorization.identifier.value
        if authorization.status == "valid" { return progress("\(hostname): already authorized") }
        guard authorization.status == "pending" else {
            throw ACMEError(.validationFailed, "authorization for \(hostname) is \(authorization.status) at \(url)")
        }
        guard let challenge = authorization.challenges.first(where: { $0.type == solver.challengeType }), let token = challenge.token else {
            let offered = authorization.challenges.map(\.type).joined(separator: ", ")
            throw ACMEError(.challengeUnavailable, "the CA offers no \(solver.challengeType) challenge for \(hostname) (it offers: \(offered))")
        }
        let keyAuthorization: String
        do { keyAuthorization = "\(token).\(try client.accountKey.jwkThumbprint())" } catch {
            throw ACMEError(.crypto, "cannot compute the key authorization: \(error)")
        }
        let task = ChallengeTask(hostname: hostname, token: token, keyAuthorization: keyAuthorization)
        presented.add(task)
        try await solver.present(task)
        progress("\(hostname): \(solver.challengeType) answer in place, asking the CA to validate")
        _ = try await client.respond(to: challenge)
    }

    /// An invalid order: find the authorization that failed and say why, with the CA's detail and a likely cause.
    private func explainInvalid(_ order: Order) async throws -> Never {
        for url in order.authorizations {
            guard let authorization = try? await client.authorization(url), authorization.status == "invalid" else { continue }
            let hostname = authorization.identifier.value
            let problem = authorization.challenges.first { $0.type == solver.challengeType }?.error
            throw ACMEError(
                .validationFailed,
                "validation of \(hostname) (\(solver.challengeType)) failed: \(problem?.description ?? "the CA marked it invalid")"
                    + ValidationHint.text(problem: problem, hostname: hostname, challenge: solver.challengeType),
                problem: problem)
        }
        throw ACMEError(.validationFailed, "the CA marked the order invalid" + (order.error.map { ": \($0)" } ?? ""), problem: order.error)
    }

    /// newOrder; when the CA rejects `replaces` (RFC 9773 section 5), the order is placed again without it.
    private func placeOrder(hostnames: [String], replaces: String?, profile: String?) async throws -> (String, Order) {
        let identifiers = hostnames.map(Identifier.dns)
        let directory = try await client.directory()
        if let profile {
            try ProfileChoice.check(profile, offered: directory.meta?.profiles, directoryURL: client.directoryURL)
        }
        // `replaces` belongs to ARI; a CA without renewalInfo would not know the field.
        let replaces = directory.renewalInfo == nil ? nil : replaces
        do { return try await client.newOrder(identifiers: identifiers, replaces: replaces, profile: profile) }
        catch let error as ACMEError
        where replaces != nil && ["alreadyReplaced", "malformed", "conflict"].contains(error.problem?.shortType ?? "") {
            progress("the CA refused the order as a replacement (\(error.problem?.description ?? error.message)); ordering without 'replaces'")
            return try await client.newOrder(identifiers: identifiers, replaces: nil, profile: profile)
        }
    }

    /// Polls the order until it leaves `states`. With `waitFirst`, the first look comes after a pause (the CA's
    /// Retry-After, else the first poll delay): validation and signing take the CA a moment, and looking at once
    /// would only cost a request.
    private func waitForOrder(_ url: String, leaving states: Set<String>, retryAfter: String?, waitFirst: Bool) async throws -> Order {
        var poll = Poll(deadline: deadline)
        var retryAfter = retryAfter
        var wait = waitFirst
        while true {
            if wait { try await poll.wait(what: "order \(url)", retryAfter: retryAfter) }
            wait = true
            let (order, next) = try await client.order(url)
            if !states.contains(order.status) { return order }
            retryAfter = next
        }
    }

    private func downloadChain(_ url: String, preferred: String?) async throws -> String {
        let (pem, alternates) = try await client.certificateChain(url)
        guard let preferred else { return pem }
        if PreferredChain.matches(pem, issuer: preferred) { return pem }
        for alternate in alternates {
            let (candidate, _) = try await client.certificateChain(alternate)
            if PreferredChain.matches(candidate, issuer: preferred) {
                progress("using the alternate chain issued by \(preferred)")
                return candidate
            }
        }
        progress("no chain from the CA ends at an issuer named \(preferred); using the default chain")
        return pem
    }
}

/// The challenge answers an order published (or began to), for withdrawing them all at the end.
final class PresentedChallenges: Sendable {
    private let tasks = Mutex<[ChallengeTask]>([])
    func add(_ task: ChallengeTask) { tasks.withLock { $0.append(task) } }
    var all: [ChallengeTask] { tasks.withLock { $0 } }
}

/// The preferred chain rule (as certbot and lego): the top certificate's issuer common name.
enum PreferredChain {
    static func matches(_ pem: String, issuer: String) -> Bool {
        guard let top = (try? Certificate.parseAll(Array(pem.utf8)))?.last else { return false }
        return top.issuerCommonName == issuer || top.commonName == issuer
    }
}
