import MailcertCrypto

/// Connects to a server, negotiates TLS the way its protocol does, and records what it really serves.
///
/// Blocking; every step is bounded by the request's timeout. The certificate is not judged here: `RemoteCheck`
/// runs the same checks a local certificate gets on what this returns.
public enum TLSProbe {
    /// What the server served, and what the probe noticed on the way.
    public struct Outcome: Sendable {
        public let served: ServedTLS
        public let chain: [Certificate]
        /// The peer address connected to.
        public let peer: String
        /// Results about the transport: STARTTLS, the protocol version.
        public let transportResults: [CheckResult]
    }

    public static func run(_ request: ProbeRequest) throws -> Outcome {
        let connection = try SocketConnection.connect(
            host: request.host, port: request.port, deadline: .after(request.timeout))
        let reader = LineReader(connection)
        let dialog = try StartTLSDialog(
            reader: reader, connection: connection, timeout: request.timeout, ehloName: request.ehloName
        ).run(request.starttls)
        let session: TLSSession
        do {
            session = try TLSSession(client: TLSContext.probingClient(), serverName: request.serverName)
        } catch { throw CheckError(.handshake, "cannot start TLS: \(error)") }
        try handshake(session, over: connection, deadline: .after(request.timeout))
        sayGoodbye(session, over: connection, protocolKind: request.starttls, timeout: request.timeout)
        let chain = session.peerChain
        guard !chain.isEmpty else {
            throw CheckError(.handshake, "\(connection.peer) completed the handshake without a certificate")
        }
        let served = ServedTLS(
            starttls: request.starttls.rawValue, protocolVersion: session.protocolVersion, cipher: session.cipher,
            chain: chain.map {
                ServedCertificate(
                    subject: $0.subject, issuer: $0.issuer, sha256: $0.sha256Thumbprint,
                    notAfter: DateText.instant($0.notValidAfter))
            })
        return Outcome(
            served: served, chain: chain, peer: connection.peer,
            transportResults: [
                starttlsResult(request.starttls, dialog), protocolResult(session),
            ])
    }

    private static func handshake(_ session: TLSSession, over connection: SocketConnection, deadline: Deadline) throws {
        do {
            while true {
                let progress = try session.handshake()
                try connection.send(session.takeOutput(), deadline: deadline)
                if progress == .done { return }
                let bytes = try connection.receive(deadline: deadline)
                guard !bytes.isEmpty else {
                    throw CheckError(.handshake, "\(connection.peer) closed the connection during the TLS handshake")
                }
                session.receive(bytes)
            }
        } catch let error as CryptoError {
            throw CheckError(.handshake, "the TLS handshake with \(connection.peer) failed: \(error)")
        } catch let error as CheckError where error.code == .timeout {
            throw CheckError(
                .timeout, "the TLS handshake with \(connection.peer) did not finish within \(deadline.lengthText)")
        }
    }

    /// Ends the session politely (QUIT or LOGOUT, then close_notify) without waiting for answers.
    private static func sayGoodbye(
        _ session: TLSSession, over connection: SocketConnection, protocolKind: StartTLSProtocol, timeout: Duration
    ) {
        let goodbye: String? =
            switch protocolKind {
            case .smtp: "QUIT\r\n"
            case .imap: "a3 LOGOUT\r\n"
            case .pop3: "QUIT\r\n"
            case .none: nil
            }
        if let goodbye { try? session.write(Array(goodbye.utf8)) }
        session.close()
        try? connection.send(session.takeOutput(), deadline: .after(min(timeout, .seconds(1))))
    }

    private static func starttlsResult(_ kind: StartTLSProtocol, _ dialog: StartTLSDialog.Outcome) -> CheckResult {
        guard kind != .none else { return CheckResult("starttls", .ok, "implicit TLS (no STARTTLS needed)") }
        guard dialog.unsolicitedBytes == 0 else {
            return CheckResult(
                "starttls", .warning,
                "the server sent \(dialog.unsolicitedBytes) bytes nobody asked for before STARTTLS; they were "
                    + "discarded, not read as an answer (injection attempt or a broken server)")
        }
        guard dialog.discardedBytes == 0 else {
            return CheckResult(
                "starttls", .warning,
                "STARTTLS accepted, but the server sent \(dialog.discardedBytes) more bytes before the handshake; "
                    + "they were discarded (plaintext injection, or a broken server: CVE-2021-38371 class)")
        }
        return CheckResult("starttls", .ok, "STARTTLS offered and accepted")
    }

    private static func protocolResult(_ session: TLSSession) -> CheckResult {
        let version = session.protocolVersion
        let text = "\(version) with \(session.cipher)"
        if version == "TLSv1.2" || version == "TLSv1.3" { return CheckResult("protocol", .ok, text) }
        return CheckResult("protocol", .warning, text + ": older than TLS 1.2, refused by current clients (RFC 8996)")
    }
}
