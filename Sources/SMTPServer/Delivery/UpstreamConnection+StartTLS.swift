import MailcertCheck
import MailcertCrypto

extension UpstreamConnection {
    /// Applies the relay's TLS policy to a greeted session: STARTTLS when the policy and the upstream allow it, the
    /// checks under `verify`, then EHLO again inside TLS. Sets `security` for the log.
    ///
    /// Under `may` an upstream without STARTTLS (or one that answers it with 454) is used in clear; one that agreed
    /// and then failed the handshake is a failure (451 4.4.1), never a quiet retry in clear. Under `encrypt` and
    /// `verify` anything short of a checked TLS session is a refusal (451 4.7.5).
    func secure(_ upstream: RelaySink, extended: Bool) throws {
        let policy = upstream.upstreamTLS.policy
        guard policy != .none else {
            security = "clear: relay TLS is off (policy none)"
            return
        }
        guard extensions.contains("STARTTLS") else {
            let why = extended ? "did not offer STARTTLS" : "does not speak ESMTP, so it offers no STARTTLS"
            return try stayInClear(because: why, policy: policy)
        }
        let answer = try command("STARTTLS", verb: "STARTTLS")
        guard answer.code == 220 else {
            return try stayInClear(because: "answered STARTTLS with \(answer.text)", policy: policy)
        }
        // What arrived after the 220 was sent before the handshake: it could pass for a reply that came through TLS
        // (the STARTTLS injection of CVE-2011-0411 and CVE-2021-38371), so the session is not trusted.
        let early = reader.discardBuffered()
        guard early == 0 else {
            throw UpstreamFailure("sent \(early) more bytes after agreeing to STARTTLS, before the TLS handshake")
        }
        let session = try handshake(upstream)
        var description = "\(session.protocolVersion) \(session.cipher)"
        if case .verify = policy {
            description += " " + (try verify(session.peerChain, upstream))
        } else {
            description += " unverified"
        }
        // OpenSSL does not tell whether the upstream asked for it; Postfix logs that on its side.
        if let client = upstream.upstreamTLS.clientCertificate {
            description += ", client certificate \(client) when asked"
        }
        // RFC 3207 section 4.2: forget what the upstream said in clear and ask again inside TLS.
        extensions = []
        guard try ehlo(as: upstream.heloName) else {
            throw UpstreamFailure("refused EHLO after STARTTLS")
        }
        security = description
    }

    /// No TLS for this session: fine under `may` (noted for the log), a refusal under `encrypt` and `verify`.
    private func stayInClear(because why: String, policy: RelayTLSPolicy) throws {
        guard policy.requiresTLS else {
            security = "clear: upstream \(why)"
            return
        }
        quit()
        throw UpstreamFailure.refused(
            "\(why), and the relay TLS policy \(policy.name) does not relay in clear")
    }

    /// Runs the TLS handshake over the socket; from here on every byte goes through TLS.
    private func handshake(_ upstream: RelaySink) throws -> TLSSession {
        guard let context = upstream.upstreamTLS.context else {
            throw UpstreamFailure("cannot start TLS: OpenSSL could not create a TLS client context")
        }
        let session: TLSSession
        do {
            session = try TLSSession(
                client: context, serverName: upstream.upstreamTLS.verifiedName(relayHost: upstream.host))
        } catch {
            throw UpstreamFailure("cannot start TLS: \(error)")
        }
        let tls = TLSByteSource(connection: socket, session: session)
        try translating { try tls.handshake(deadline: .after(timeout)) }
        self.tls = tls
        reader = LineReader(tls)
        return session
    }

    /// Under `verify`: the checks `mailcert check` runs on a served chain. "verified as NAME" when none is CRITICAL
    /// or UNKNOWN; otherwise QUIT (inside TLS, so nothing of a message went out) and a refusal naming the checks.
    private func verify(_ chain: [Certificate], _ upstream: RelaySink) throws -> String {
        let name = upstream.upstreamTLS.verifiedName(relayHost: upstream.host)
        let verdict = UpstreamVerification.judge(chain, name: name, trust: upstream.upstreamTLS.trust)
        guard verdict.problems.isEmpty else {
            quit()
            throw UpstreamFailure.refused(
                "its certificate failed the checks of the relay TLS policy verify for \(name)",
                details: verdict.problems)
        }
        let warnings = verdict.warnings.isEmpty ? "" : " (warning: \(verdict.warnings.joined(separator: "; ")))"
        return "verified as \(name)" + warnings
    }
}
