import Foundation
import MailcertCrypto

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

    public func obtain(hostnames: [String], csrDER: [UInt8], replaces: String?, preferredChain: String?) async throws -> IssuedChain {
        var (orderURL, order) = try await placeOrder(hostnames: hostnames, replaces: replaces)
        progress("order \(orderURL): \(order.status)")
        if order.status == "pending" {
            try await solveAuthorizations(order.authorizations)
            order = try await waitForOrder(orderURL, leaving: ["pending"])
        }
        if order.status == "ready" {
            progress("finalizing with the CSR")
            let (finalized, retryAfter) = try await client.finalize(order, csrDER: csrDER)
            order = finalized
            if order.status == "processing" { order = try await waitForOrder(orderURL, leaving: ["processing"], firstDelay: retryAfter) }
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

    /// newOrder; when the CA rejects `replaces` (RFC 9773 section 5), the order is placed again without it.
    private func placeOrder(hostnames: [String], replaces: String?) async throws -> (String, Order) {
        let identifiers = hostnames.map(Identifier.dns)
        // `replaces` belongs to ARI; a CA without renewalInfo would not know the field.
        let replaces = try await client.directory().renewalInfo == nil ? nil : replaces
        do { return try await client.newOrder(identifiers: identifiers, replaces: replaces) } catch let error as ACMEError
        where replaces != nil && error.code == .problem && !(error.problem?.shortType == "rateLimited") {
            progress("the CA refused the order as a replacement (\(error.problem?.description ?? error.message)); ordering without 'replaces'")
            return try await client.newOrder(identifiers: identifiers, replaces: nil)
        }
    }

    private func solveAuthorizations(_ urls: [String]) async throws {
        try await solver.prepare()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for url in urls { group.addTask { try await solveAuthorization(url) } }
                try await group.waitForAll()
            }
        } catch {
            await solver.finish()
            throw error
        }
        await solver.finish()
    }

    private func solveAuthorization(_ url: String) async throws {
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
        let outcome: Result<Authorization, Error>
        do {
            try await solver.present(task)
            progress("\(hostname): \(solver.challengeType) answer in place, asking the CA to validate")
            _ = try await client.respond(to: challenge)
            outcome = .success(try await waitForAuthorization(url))
        } catch {
            outcome = .failure(error)
        }
        await solver.cleanUp(task)
        let final = try outcome.get()
        guard final.status == "valid" else {
            let problem = final.challenges.first { $0.type == solver.challengeType }?.error
            throw ACMEError(
                .validationFailed,
                "validation of \(hostname) (\(solver.challengeType)) failed: \(problem?.description ?? final.status)"
                    + ValidationHint.text(problem: problem, hostname: hostname, challenge: solver.challengeType),
                problem: problem)
        }
        progress("\(hostname): validated")
    }

    private func waitForAuthorization(_ url: String) async throws -> Authorization {
        var poll = Poll(deadline: deadline)
        while true {
            let authorization = try await client.authorization(url)
            if authorization.status != "pending" && authorization.status != "processing" { return authorization }
            try await poll.wait(what: "validation of \(authorization.identifier.value)", retryAfter: nil)
        }
    }

    private func waitForOrder(_ url: String, leaving states: Set<String>, firstDelay: String? = nil) async throws -> Order {
        var poll = Poll(deadline: deadline)
        var retryAfter = firstDelay
        var first = true
        while true {
            // A state change the CA already made is picked up at once; only a wait it asked for comes first.
            if !first || retryAfter != nil { try await poll.wait(what: "order \(url)", retryAfter: retryAfter) }
            first = false
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

/// The preferred chain rule (as certbot and lego): the top certificate's issuer common name.
enum PreferredChain {
    static func matches(_ pem: String, issuer: String) -> Bool {
        guard let top = (try? Certificate.parseAll(Array(pem.utf8)))?.last else { return false }
        return top.issuerCommonName == issuer || top.commonName == issuer
    }
}
