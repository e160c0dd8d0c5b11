import SMTPProtocol
import Testing

/// A port where TLS is mandatory (RFC 3207 section 4): mail moves only inside TLS.
@Suite("SMTP session: TLS required")
struct RequiredTLSTests {
    static let policy = SessionPolicy(hostname: "mx.test", requireTLS: true)

    @Test("before STARTTLS only EHLO, HELO, STARTTLS, NOOP, RSET and QUIT are accepted; the rest gets 530 5.7.0")
    func onlyTheHandshakeCommandsBeforeTLS() {
        var driver = SessionDriver(policy: Self.policy)
        driver.send("EHLO c\r\nHELO c\r\nNOOP\r\nRSET\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@m>\r\nDATA\r\nVRFY x\r\nHELP\r\n")
        #expect(driver.codes.dropFirst() == [250, 250, 250, 250, 530, 530, 530, 530, 530])
        #expect(driver.replies.last == "530 5.7.0 Must issue a STARTTLS command first")
        driver.send("QUIT\r\n")
        #expect(driver.closed)
    }

    @Test("after STARTTLS the same transaction goes through")
    func afterStartTLS() {
        var driver = SessionDriver(policy: Self.policy)
        driver.send("EHLO c\r\nSTARTTLS\r\n")
        driver.completeHandshake()
        driver.send("EHLO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@m>\r\nDATA\r\nx\r\n.\r\n")
        #expect(driver.delivered.count == 1)
        #expect(driver.delivered.first?.envelope.protocolName == "ESMTPS")
    }

    @Test("without a certificate a TLS-required port moves no mail at all: STARTTLS gets 454, MAIL 530")
    func noCertificateNoMail() {
        var driver = SessionDriver(policy: Self.policy, tlsAvailable: false)
        driver.send("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@c>\r\n")
        #expect(driver.codes.dropFirst() == [250, 454, 530])
    }

    @Test("an opportunistic port accepts mail in clear")
    func opportunistic() {
        var driver = SessionDriver()
        driver.send("EHLO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@m>\r\nDATA\r\nx\r\n.\r\n")
        #expect(driver.delivered.count == 1)
    }
}
