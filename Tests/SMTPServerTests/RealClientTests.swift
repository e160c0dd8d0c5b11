import Foundation
import MailcertTestSupport
import Testing

/// `mailcert serve` as the clients that will really talk to it see it: OpenSSL's s_client, swaks and Python's smtplib,
/// each a separate program speaking to the real binary on 127.0.0.1. No mocks: the store holds self-signed
/// certificates made by `mailcert request`, and the oracle for "which certificate" is the openssl command.
@Suite("Real clients")
struct RealClientTests {
    static let hostname = LiveListener.hostname

    // MARK: - openssl s_client

    @Test(
        "openssl s_client -starttls smtp verifies the store's current certificate for the name over TLS 1.3, and EHLO inside TLS no longer offers STARTTLS"
    )
    func sClientStartTLS() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }
        let ca = "\(listener.runner.stateDirectory)/certs/\(Self.hostname)/current/fullchain.pem"

        let session = try SClient.run(
            port: listener.port,
            ["-servername", Self.hostname, "-verify_hostname", Self.hostname, "-CAfile", ca, "-verify_return_error"],
            input: "EHLO client.test\r\nQUIT\r\n")

        #expect(session.status == 0, "\(session.output)")
        #expect(session.verified, "\(session.output)")
        #expect(session.protocolVersion == "TLSv1.3")
        #expect(try session.fingerprint() == listener.currentFingerprint())
        let ehlo = session.ehloReply()
        #expect(ehlo.first == "250-\(Self.hostname)", "\(session.stdout)")
        #expect(ehlo.contains("250-PIPELINING"))
        #expect(!ehlo.isEmpty && !ehlo.contains { $0.uppercased().contains("STARTTLS") }, "\(ehlo)")
        #expect(session.replyLinesAfterHandshake.last == "221 2.0.0 Bye", "\(session.stdout)")
    }

    // MARK: - swaks

    @Test(
        "swaks --tls delivers one message to the Maildir, whose Received: header records ESMTPS and the TLS 1.3 cipher")
    func swaksStartTLS() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }

        let result = try Swaks.send([
            "--server", "127.0.0.1:\(listener.port)", "--tls", "--from", "a@client.test", "--to", "b@\(Self.hostname)",
            "--helo", "swaks.client.test",
        ])

        #expect(result.status == 0, "\(result.output)\n\(listener.log)")
        #expect(result.stdout.contains("TLS started with cipher TLSv1.3"), "\(result.output)")
        let messages = listener.delivered()
        try #require(messages.count == 1, "\(messages)")
        let header = receivedHeader(messages[0])
        #expect(header.hasPrefix("Received: from swaks.client.test ([127.0.0.1])"), "\(header)")
        #expect(header.contains("by \(Self.hostname) (mailcert) with ESMTPS id "), "\(header)")
        #expect(header.contains("(using TLSv1.3 with cipher TLS_"), "\(header)")
        #expect(header.contains("for <b@\(Self.hostname)>;"), "\(header)")
        #expect(messages[0].contains("From: a@client.test"))
    }

    // MARK: - Python smtplib

    /// Sends one message with smtplib, with STARTTLS (certificate not checked, as most MTAs do) or without; prints
    /// what it saw as JSON.
    static let smtplibScript = """
        import json, smtplib, ssl, sys
        port, mode = int(sys.argv[1]), sys.argv[2]
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        seen = {}
        with smtplib.SMTP("127.0.0.1", port, local_hostname="py.client.test", timeout=15) as smtp:
            seen["ehlo"] = smtp.ehlo()[0]
            seen["offers_starttls"] = smtp.has_extn("starttls")
            if mode == "tls":
                seen["starttls"] = smtp.starttls(context=context)[0]
                seen["version"] = smtp.sock.version()
                smtp.ehlo()
                seen["offers_starttls_inside_tls"] = smtp.has_extn("starttls")
            seen["refused"] = smtp.sendmail(
                "a@client.test", ["b@mx.listener.test"], "Subject: smtplib\\r\\n\\r\\nhello from smtplib\\r\\n")
        print(json.dumps(seen))
        """

    static func smtplib(port: Int, mode: String) throws -> [String: Any] {
        let result = try PythonScript.run(smtplibScript, [String(port), mode])
        guard result.status == 0,
            let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else { throw TestSupportError("smtplib (\(mode)) failed (\(result.status)): \(result.output)") }
        return object
    }

    @Test(
        "Python smtplib: starttls() with an unverifying context, then sendmail, is delivered with ESMTPS over TLS 1.3")
    func smtplibStartTLS() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }

        let seen = try Self.smtplib(port: listener.port, mode: "tls")

        #expect(seen["offers_starttls"] as? Bool == true)
        #expect(seen["starttls"] as? Int == 220)
        #expect(seen["version"] as? String == "TLSv1.3")
        #expect(seen["offers_starttls_inside_tls"] as? Bool == false)
        #expect((seen["refused"] as? [String: Any])?.isEmpty == true, "\(seen)")
        let messages = listener.delivered()
        try #require(messages.count == 1, "\(messages)\n\(listener.log)")
        let header = receivedHeader(messages[0])
        #expect(header.hasPrefix("Received: from py.client.test ([127.0.0.1])"), "\(header)")
        #expect(header.contains(" with ESMTPS id "), "\(header)")
        #expect(header.contains("(using TLSv1.3 with cipher "), "\(header)")
        #expect(messages[0].contains("hello from smtplib"))
    }

    @Test("Python smtplib without STARTTLS: opportunistic TLS lets a plaintext sender deliver too, recorded as ESMTP")
    func smtplibPlain() throws {
        let listener = try LiveListener().start()
        defer { listener.stop() }

        let seen = try Self.smtplib(port: listener.port, mode: "plain")

        #expect(seen["ehlo"] as? Int == 250)
        #expect(seen["offers_starttls"] as? Bool == true)
        #expect((seen["refused"] as? [String: Any])?.isEmpty == true, "\(seen)")
        let messages = listener.delivered()
        try #require(messages.count == 1, "\(messages)\n\(listener.log)")
        let header = receivedHeader(messages[0])
        #expect(header.contains(" with ESMTP id "), "\(header)")
        #expect(!header.contains("ESMTPS"), "\(header)")
        #expect(!header.contains("(using "), "\(header)")
    }

    // MARK: - Implicit TLS

    @Test("on the implicit-TLS port, s_client without -starttls gets the 220 greeting inside TLS 1.3")
    func implicitTLSGreeting() throws {
        let listener = try LiveListener().start(implicitTLS: true)
        defer { listener.stop() }
        let port = try #require(listener.implicitPort)

        let session = try SClient.run(port: port, starttls: false, ["-servername", Self.hostname])

        #expect(session.status == 0, "\(session.output)")
        #expect(session.protocolVersion == "TLSv1.3", "\(session.output)")
        #expect(try session.fingerprint() == listener.currentFingerprint())
        #expect(
            session.replyLinesAfterHandshake == ["220 \(Self.hostname) ESMTP mailcert", "221 2.0.0 Bye"],
            "\(session.stdout)")
    }

    @Test("swaks --tlsc (TLS from the first byte) delivers on the implicit-TLS port, recorded as ESMTPS")
    func implicitTLSSwaks() throws {
        let listener = try LiveListener().start(implicitTLS: true)
        defer { listener.stop() }
        let port = try #require(listener.implicitPort)

        let result = try Swaks.send([
            "--server", "127.0.0.1:\(port)", "--tlsc", "--from", "a@client.test", "--to", "b@\(Self.hostname)",
            "--helo", "swaks.client.test",
        ])

        #expect(result.status == 0, "\(result.output)\n\(listener.log)")
        #expect(result.stdout.contains("TLS started with cipher TLSv1.3"), "\(result.output)")
        let messages = listener.delivered()
        try #require(messages.count == 1, "\(messages)")
        let header = receivedHeader(messages[0])
        #expect(header.contains(" with ESMTPS id "), "\(header)")
        #expect(header.contains("(using TLSv1.3 with cipher "), "\(header)")
    }

    // MARK: - SNI

    static let other = "other.listener.test"

    @Test(
        "SNI: with two certificates served, each name gets its own leaf; an unknown name and no SNI at all get the first one, never a failed handshake",
        arguments: [
            (["-servername", "other.listener.test"], "other.listener.test"),
            (["-servername", "OTHER.Listener.Test"], "other.listener.test"),
            (["-servername", "mx.listener.test"], "mx.listener.test"),
            (["-servername", "unknown.listener.test"], "mx.listener.test"),
            (["-noservername"], "mx.listener.test"),
        ])
    func serverNameIndication(_ arguments: [String], _ expected: String) throws {
        let listener = try LiveListener(certificates: [Self.hostname, Self.other])
        try listener.start(serving: [Self.hostname, Self.other])
        defer { listener.stop() }

        let session = try SClient.run(port: listener.port, arguments)

        #expect(session.status == 0, "\(session.output)")
        #expect(session.protocolVersion == "TLSv1.3", "\(session.output)")
        let fingerprint = try session.fingerprint()
        #expect(fingerprint == (try listener.currentFingerprint(expected)), "\(session.stdout)")
        #expect(session.replyLinesAfterHandshake.last == "221 2.0.0 Bye", "\(session.stdout)")
    }

    // MARK: - RSA and ECDSA side by side

    @Test(
        "RSA and ECDSA certificates for the same names are served side by side: the client's signature algorithms pick the leaf",
        arguments: [
            (["-sigalgs", "ECDSA+SHA256"], "id-ecPublicKey", "TLSv1.3"),
            (["-sigalgs", "RSA-PSS+SHA256"], "rsaEncryption", "TLSv1.3"),
            (["-sigalgs", "rsa_pss_rsae_sha256"], "rsaEncryption", "TLSv1.3"),
            (["-tls1_2", "-sigalgs", "ECDSA+SHA256"], "id-ecPublicKey", "TLSv1.2"),
            (["-tls1_2", "-sigalgs", "RSA+SHA256"], "rsaEncryption", "TLSv1.2"),
        ])
    func rsaAndECDSA(_ arguments: [String], _ algorithm: String, _ version: String) throws {
        let listener = try LiveListener()
        let made = try listener.runner.run([
            "request", "-d", Self.hostname, "--name", "mx-rsa", "--key-type", "rsa2048", "--self-signed",
        ])
        try #require(made.status == 0, "\(made.output)")
        try listener.start(serving: [Self.hostname, "mx-rsa"])
        defer { listener.stop() }

        let session = try SClient.run(port: listener.port, ["-servername", Self.hostname] + arguments)

        #expect(session.status == 0, "\(session.output)")
        #expect(session.protocolVersion == version, "\(session.output)")
        let pem = try #require(session.leafPEM, "\(session.output)")
        #expect(try CertificateFacts.publicKeyAlgorithm(pem: pem) == algorithm)
        let expected = algorithm == "rsaEncryption" ? "mx-rsa" : Self.hostname
        #expect(try CertificateFacts.fingerprint(pem: pem) == listener.currentFingerprint(expected))
    }

    @Test(
        "two certificates of the same key type for the same names: the first is served, the second is logged as not served, and the other names still get theirs"
    )
    func sameKeyTypeTwice() throws {
        let listener = try LiveListener(certificates: [Self.hostname, Self.other])
        let made = try listener.runner.run([
            "request", "-d", Self.hostname, "--name", "mx-second", "--key-type", "ecdsa-p256", "--self-signed",
        ])
        try #require(made.status == 0, "\(made.output)")
        try listener.start(serving: [Self.hostname, "mx-second", Self.other])
        defer { listener.stop() }

        let client = try RawSMTPClient(port: listener.port)
        #expect(try client.reply().code == 220)
        #expect(try client.command("EHLO dup.client.test").lines.contains("STARTTLS"))
        let first = try SClient.run(port: listener.port, ["-servername", Self.hostname])
        #expect(try first.fingerprint() == listener.currentFingerprint(), "\(first.output)")
        let other = try SClient.run(port: listener.port, ["-servername", Self.other])
        #expect(try other.fingerprint() == listener.currentFingerprint(Self.other), "\(other.output)")
        #expect(listener.waitForLog("mx-second: another ECDSA certificate for the same names is served first"))
        #expect(listener.process?.isRunning == true)
    }
}

/// The first header of a stored message with its continuation lines (the one the listener added).
func receivedHeader(_ message: String) -> String {
    var lines: [Substring] = []
    for line in message.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
        if lines.isEmpty || line.hasPrefix("\t") || line.hasPrefix(" ") { lines.append(line) } else { break }
    }
    return lines.joined(separator: "\n")
}
