import Foundation
import MailcertTestSupport
import Testing

/// STARTTLS to the relay upstream, end to end: swaks -> `mailcert serve --relay` -> a real upstream on 127.0.0.1.
/// The upstreams are Debian's Postfix (a private instance offering STARTTLS with a certificate from a test CA) and
/// Debian's aiosmtpd (no TLS at all). What arrived is read from the upstream's own Maildir; how the relay secured
/// the connection from the listener's session log line and from Postfix's Received header and log.
@Suite("Relay TLS policies against Postfix and aiosmtpd", .serialized)
struct RelayTLSTests {
    // MARK: - may

    @Test("may, upstream without STARTTLS (aiosmtpd): delivered once in clear; the log says clear and why")
    func mayWithoutSTARTTLS() throws {
        let upstream = try ClearUpstream()
        let listener = try RelayListener().start(upstreamPort: upstream.port, ["--relay-tls", "may"])

        let sent = try listener.send(subject: "may-clear", to: "bob@example.test")

        #expect(sent.status == 0, "\(sent.output)")
        #expect(upstream.messages().filter { $0.contains("Subject: may-clear") }.count == 1, "\(upstream.messages())")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("upstream=clear: upstream did not offer STARTTLS"), "\(line)")
        #expect(line.contains("messages=1"), "\(line)")
    }

    @Test(
        "may, Postfix offering STARTTLS: delivered once over TLS (Postfix's Received header says ESMTPS)",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func mayWithSTARTTLS() throws {
        let upstream = try TLSUpstream()
        let listener = try RelayListener().start(upstreamPort: upstream.postfix.port)

        let sent = try listener.send(subject: "may-tls", to: TLSUpstream.recipient)

        #expect(sent.status == 0, "\(sent.output)")
        let received = TLSUpstream.postfixReceived(try upstream.onlyMessage(subject: "may-tls"))
        #expect(received.contains("(using TLSv1.3 with cipher "), "\(received)")
        #expect(received.contains("with ESMTPS id "), "\(received)")
        #expect(upstream.postfix.maillog().contains("TLS connection established from"), "\(upstream.postfix.maillog())")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("upstream=TLSv1.3 TLS_"), "\(line)")
        #expect(line.contains(" unverified"), "\(line)")
    }

    @Test(
        "none: Postfix offers STARTTLS, and the message still goes in clear (ESMTP, not ESMTPS)",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func noneStaysClear() throws {
        let upstream = try TLSUpstream()
        let listener = try RelayListener().start(upstreamPort: upstream.postfix.port, ["--relay-tls", "none"])

        let sent = try listener.send(subject: "none-clear", to: TLSUpstream.recipient)

        #expect(sent.status == 0, "\(sent.output)")
        let received = TLSUpstream.postfixReceived(try upstream.onlyMessage(subject: "none-clear"))
        #expect(received.contains("with ESMTP id "), "\(received)")
        #expect(!received.contains("(using TLS"), "\(received)")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("upstream=clear: relay TLS is off (policy none)"), "\(line)")
    }

    @Test(
        "may, Postfix offers STARTTLS but can only do TLS 1.1: 451 4.4.1 and no retry in clear; nothing delivered",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func mayFailedHandshake() throws {
        // A real peer whose handshake fails: TLS 1.1 only, below the relay's TLS 1.2 minimum.
        let upstream = try TLSUpstream(settings: ["smtpd_tls_protocols": ">=TLSv1.1, <=TLSv1.1"])
        let listener = try RelayListener().start(upstreamPort: upstream.postfix.port)

        let sent = try listener.send(subject: "may-handshake", to: TLSUpstream.recipient)

        #expect(sent.status != 0, "swaks reported success: \(sent.output)")
        #expect(sent.output.contains("451 4.4.1 upstream 127.0.0.1:\(upstream.postfix.port): "), "\(sent.output)")
        #expect(sent.output.contains("TLS handshake"), "\(sent.output)")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("upstream=failed: the TLS handshake with 127.0.0.1:"), "\(line)")
        // Postfix saw STARTTLS and then nothing more from this connection: no MAIL in clear after the failure.
        #expect(!upstream.postfix.maillog().contains(" mail="), "\(upstream.postfix.maillog())")
        #expect(upstream.postfix.messages().isEmpty)
    }

    // MARK: - encrypt

    @Test("encrypt, upstream without STARTTLS: 451 4.7.5 naming the upstream and why; nothing is delivered")
    func encryptRefusesClear() throws {
        let upstream = try ClearUpstream()
        let listener = try RelayListener().start(upstreamPort: upstream.port, ["--relay-tls", "encrypt"])

        let sent = try listener.send(subject: "encrypt-refused", to: "bob@example.test")

        #expect(sent.status != 0, "swaks reported success: \(sent.output)")
        #expect(
            sent.output.contains(
                "451 4.7.5 upstream 127.0.0.1:\(upstream.port): did not offer STARTTLS, and the relay TLS policy "
                    + "encrypt does not relay in clear; nothing was relayed, try again later"), "\(sent.output)")
        // The client heard 4xx at MAIL: it keeps the message, and the upstream holds no part of it.
        #expect(!sent.output.contains("354"), "\(sent.output)")
        #expect(upstream.messages().isEmpty, "\(upstream.messages())")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("upstream=refused: did not offer STARTTLS"), "\(line)")
        #expect(line.contains("messages=0"), "\(line)")
    }

    // MARK: - verify

    @Test(
        "verify with the wrong --relay-hostname: 451 4.7.5 naming the names check; no MAIL reaches Postfix",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func verifyWrongName() throws {
        let upstream = try TLSUpstream()
        let listener = try RelayListener().start(
            upstreamPort: upstream.postfix.port,
            [
                "--relay-tls", "verify", "--relay-hostname", "wrong.relay.test", "--relay-ca-bundle",
                upstream.ca.rootPath,
            ])

        let sent = try listener.send(subject: "verify-wrong-name", to: TLSUpstream.recipient)

        #expect(sent.status != 0, "swaks reported success: \(sent.output)")
        #expect(
            sent.output.contains(
                "451-4.7.5 upstream 127.0.0.1:\(upstream.postfix.port): its certificate failed the checks of the relay "
                    + "TLS policy verify for wrong.relay.test:"), "\(sent.output)")
        #expect(sent.output.contains("451-4.7.5 names: does not cover wrong.relay.test"), "\(sent.output)")
        #expect(sent.output.contains("451 4.7.5 nothing was relayed; try again later"), "\(sent.output)")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("upstream=refused: its certificate failed the checks"), "\(line)")
        #expect(line.contains("names: does not cover wrong.relay.test"), "\(line)")
        // Postfix saw a TLS session that ended after EHLO: no MAIL, so nothing can be half-delivered.
        let disconnect = try #require(upstream.disconnectLine(), "\(upstream.postfix.maillog())")
        #expect(disconnect.contains("starttls=1") && !disconnect.contains("mail="), "\(disconnect)")
        #expect(upstream.postfix.messages().isEmpty)
    }

    @Test(
        "verify without --relay-ca-bundle: the chain check refuses the test CA, which no system root vouches for",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func verifyUntrustedChain() throws {
        let upstream = try TLSUpstream()
        let listener = try RelayListener().start(
            upstreamPort: upstream.postfix.port, ["--relay-tls", "verify", "--relay-hostname", TLSUpstream.name])

        let sent = try listener.send(subject: "verify-untrusted", to: TLSUpstream.recipient)

        #expect(sent.output.contains("451-4.7.5 chain: no path to a trusted root"), "\(sent.output)")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("chain: no path to a trusted root"), "\(line)")
        #expect(upstream.postfix.messages().isEmpty)
    }

    @Test(
        "verify from the config file (relay_tls, relay_ca_bundle, relay_hostname): delivered once, logged as verified",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func verifyDelivers() throws {
        let upstream = try TLSUpstream()
        let listener = try RelayListener()
        let config = try listener.runner.state.write(
            "serve.toml",
            """
            relay = "127.0.0.1:\(upstream.postfix.port)"
            relay_tls = "verify"
            relay_ca_bundle = "\(upstream.ca.rootPath)"
            relay_hostname = "\(TLSUpstream.name)"
            """)
        try listener.start(upstreamPort: nil, ["--config", config])

        let sent = try listener.send(subject: "verify-ok", to: TLSUpstream.recipient)

        #expect(sent.status == 0, "\(sent.output)")
        let received = TLSUpstream.postfixReceived(try upstream.onlyMessage(subject: "verify-ok"))
        #expect(received.contains("with ESMTPS id "), "\(received)")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("upstream=TLSv1.3 TLS_"), "\(line)")
        #expect(line.contains(" verified as \(TLSUpstream.name)"), "\(line)")
    }

    @Test(
        "verify: a certificate with 3 days left is used (a warning in the log); an expired one is refused",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func verifyDates() throws {
        let stamp = { (days: Double) in Self.timestamp(Date().addingTimeInterval(days * 86_400)) }
        let expiring = try TLSUpstream(leaf: LeafSpec([TLSUpstream.name], notBefore: stamp(-30), notAfter: stamp(3.5)))
        let expired = try TLSUpstream(leaf: LeafSpec([TLSUpstream.name], notBefore: stamp(-30), notAfter: stamp(-1)))
        let verify = { (upstream: TLSUpstream) in
            try RelayListener().start(
                upstreamPort: upstream.postfix.port,
                [
                    "--relay-tls", "verify", "--relay-hostname", TLSUpstream.name, "--relay-ca-bundle",
                    upstream.ca.rootPath,
                ])
        }

        let soon = try verify(expiring)
        let sentSoon = try soon.send(subject: "verify-expiring", to: TLSUpstream.recipient)
        let old = try verify(expired)
        let sentOld = try old.send(subject: "verify-expired", to: TLSUpstream.recipient)

        #expect(sentSoon.status == 0, "\(sentSoon.output)")
        _ = try expiring.onlyMessage(subject: "verify-expiring")
        let soonLine = try #require(soon.sessionLine(), "\(soon.log)")
        #expect(soonLine.contains("verified as \(TLSUpstream.name) (warning: validity: "), "\(soonLine)")
        #expect(sentOld.output.contains("451-4.7.5 validity: expired on "), "\(sentOld.output)")
        #expect(expired.postfix.messages().isEmpty)
    }

    /// YYYYMMDDHHMMSSZ, as `openssl ca -startdate/-enddate` takes it.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss'Z'"
        return formatter.string(from: date)
    }

    // MARK: - Client certificate

    @Test(
        "--relay-cert: Postfix gets the stored certificate as the client certificate and records its CN",
        .enabled(if: PostfixServer.shouldRun, "needs Debian's postfix and root: scripts/install-deps.sh"))
    func clientCertificate() throws {
        let upstream = try TLSUpstream()
        let client = "relay-client.relay.test"
        let listener = try RelayListener(clients: [client]).start(
            upstreamPort: upstream.postfix.port, ["--relay-tls", "encrypt", "--relay-cert", client])

        let sent = try listener.send(subject: "client-cert", to: TLSUpstream.recipient)

        #expect(sent.status == 0, "\(sent.output)")
        let received = TLSUpstream.postfixReceived(try upstream.onlyMessage(subject: "client-cert"))
        #expect(received.contains("(Client CN \"\(client)\""), "\(received)")
        let maillog = upstream.postfix.maillog()
        #expect(maillog.contains("Untrusted TLS connection established from"), "\(maillog)")
        let line = try #require(listener.sessionLine(), "\(listener.log)")
        #expect(line.contains("client certificate \(client)"), "\(line)")
    }

    // MARK: - Settings

    @Test("bad relay TLS settings stop the start with a message naming the flag or the config key")
    func settingsErrors() throws {
        let runner = try MailcertRunner()
        let relay = ["--relay", "127.0.0.1:\(FreePort.pick())"]
        let bad = try runner.state.write("bad-value.toml", "relay = \"127.0.0.1:25\"\nrelay_tls = \"sometimes\"\n")
        let typo = try runner.state.write("typo.toml", "relay = \"127.0.0.1:25\"\nrelay_tsl = \"verify\"\n")
        // What public CAs issue since 2026 (and what --self-signed makes): serverAuth only, no client certificate.
        let serverOnly = try runner.run(["request", "-d", "server-only.relay.test", "--self-signed"])
        try #require(serverOnly.status == 0, "\(serverOnly.output)")
        let cases: [([String], String)] = [
            (relay + ["--relay-tls", "sometimes"], "--relay-tls must be one of none, may, encrypt, verify"),
            (["--config", bad], "relay_tls (in --config) must be one of none, may, encrypt, verify"),
            (["--config", typo], "unknown key 'relay_tsl'"),
            (
                ["--maildir", runner.state.path("Maildir"), "--relay-tls", "encrypt"],
                "--relay-tls applies only to a relay"
            ),
            (relay + ["--relay-hostname", "mx.relay.test"], "--relay-hostname only applies with --relay-tls verify"),
            (relay + ["--relay-tls", "none", "--relay-cert", "any"], "--relay-cert needs TLS, and --relay-tls none"),
            (
                relay + ["--relay-tls", "verify", "--relay-cert", "missing"],
                "--relay-cert: no certificate named 'missing'"
            ),
            (
                relay + ["--relay-tls", "encrypt", "--relay-cert", "server-only.relay.test"],
                "--relay-cert: certificate 'server-only.relay.test' is serverAuth only"
            ),
            (
                relay + ["--relay-tls", "encrypt", "--relay-cert", "server-only.relay.test"],
                "a client certificate from a private CA (imported under its own name), or drop --relay-cert"
            ),
        ]
        for (arguments, message) in cases {
            let serve = [
                MailcertRunner.binary, "serve", "--state-dir", runner.stateDirectory, "--listen",
                "127.0.0.1:\(FreePort.pick())",
            ]
            // Bounded: a setting wrongly accepted would leave a listener running.
            let result = try Subprocess.run("timeout", ["-k", "5", "20"] + serve + arguments)
            #expect(result.status != 0 && result.status != 124, "\(arguments): \(result.output)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}

/// Debian's aiosmtpd without TLS, storing what it accepts in a Maildir: an upstream that offers no STARTTLS.
private struct ClearUpstream {
    let server: BackgroundProcess
    let port = FreePort.pick()
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory("aiosmtpd-clear")
        server = try BackgroundProcess(
            "/usr/bin/python3",
            [
                "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox",
                directory.path("mail"),
            ],
            log: directory.path("log"), keeping: directory, stopSignal: SIGKILL)
        try FreePort.waitUntilListening(port, server: server)
    }

    /// Every message stored (aiosmtpd's Mailbox writes it before its 250), oldest name first.
    func messages() -> [String] {
        let new = directory.url.appendingPathComponent("mail/new")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted()
        return names.compactMap { try? String(contentsOf: new.appendingPathComponent($0), encoding: .utf8) }
    }
}

/// A private Postfix offering STARTTLS with a certificate for `name` from a test CA (root -> intermediate -> leaf).
private struct TLSUpstream {
    static let name = "upstream.relay.test"
    static let recipient = "bob@\(name)"

    let ca: TestCA
    let postfix: PostfixServer

    /// `leaf` says what the certificate looks like (dates); `settings` are extra main.cf lines.
    init(leaf spec: LeafSpec = LeafSpec([name]), settings: [String: String] = [:]) throws {
        ca = try TestCA(name: "Relay Upstream Test")
        let leaf = try ca.issue(spec)
        postfix = try PostfixServer(
            hostname: Self.name, certificate: leaf.fullchainPath, key: leaf.keyPath, settings: settings)
    }

    /// The Received header Postfix put on top of `message` (the listener's own, below it, describes the client's
    /// side), continuation lines included.
    static func postfixReceived(_ message: String) -> String {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Received: ") }) else { return "" }
        let continued = lines[(start + 1)...].prefix { $0.hasPrefix("\t") || $0.hasPrefix(" ") }
        return ([lines[start]] + continued).joined(separator: "\n")
    }

    /// The one delivered message with `subject`, once Postfix's queue is empty (so the count is final).
    func onlyMessage(subject: String) throws -> String {
        let matching = postfix.waitForMessages(1).filter { $0.contains("Subject: \(subject)") }
        #expect(matching.count == 1, "\(matching.count) copies of \(subject) arrived:\n\(postfix.maillog())")
        return try #require(matching.first, "nothing arrived:\n\(postfix.maillog())")
    }

    /// smtpd's summary of the relay's session ("disconnect from ... ehlo=2 starttls=1 quit=1 commands=4"); not
    /// that of the check for the listening port, which sent no command.
    func disconnectLine(seconds: Double = 10) -> String? {
        for _ in 0..<Int(seconds * 50) {
            let lines = postfix.maillog().split(separator: "\n")
            if let line = lines.first(where: { $0.contains(" disconnect from ") && $0.contains(" ehlo=") }) {
                return String(line)
            }
            usleep(20_000)
        }
        return nil
    }
}
