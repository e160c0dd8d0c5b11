import SMTPProtocol
import Testing

@Suite("SMTP session: the ESMTP dialogue")
struct SMTPSessionTests {
    static let transaction =
        "EHLO client.test\r\nMAIL FROM:<a@client.test> SIZE=100 BODY=8BITMIME\r\nRCPT TO:<b@mx.test>\r\n"
        + "RCPT TO:<c@mx.test>\r\nDATA\r\nSubject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n"

    @Test("a pipelined transaction gives the same replies and message fed at once or byte by byte", arguments: [false, true])
    func pipelinedTransaction(byteByByte: Bool) {
        var driver = SessionDriver()
        driver.send(Self.transaction, byteByByte: byteByByte)
        #expect(driver.codes == [220, 250, 250, 250, 250, 354, 250, 221])
        #expect(driver.closed)
        #expect(driver.delivered.count == 1)
        #expect(driver.delivered.first?.content == "Subject: hi\r\n\r\n.leading dot\r\nbody\r\n")
        #expect(driver.delivered.first?.envelope.recipients == ["b@mx.test", "c@mx.test"])
        #expect(driver.delivered.first?.envelope.sender == "a@client.test")
        #expect(driver.delivered.first?.envelope.protocolName == "ESMTP")
    }

    @Test("EHLO advertises the extensions, STARTTLS only while TLS is possible and not yet on")
    func ehloExtensions() {
        var driver = SessionDriver(policy: SessionPolicy(hostname: "mx.test", maximumMessageSize: 1000))
        driver.send("EHLO c\r\n")
        #expect(
            driver.replies == [
                "220 mx.test ESMTP mailcert", "250-mx.test", "250-PIPELINING", "250-SIZE 1000", "250-8BITMIME",
                "250-ENHANCEDSTATUSCODES", "250 STARTTLS",
            ])
        var noTLS = SessionDriver(tlsAvailable: false)
        noTLS.send("EHLO c\r\nSTARTTLS\r\n")
        #expect(!noTLS.replies.contains("250 STARTTLS") && !noTLS.replies.contains("250-STARTTLS"))
        #expect(noTLS.replies.last == "454 4.7.0 TLS not available due to local problem")
        #expect(noTLS.startTLSDiscarded.isEmpty)
    }

    @Test("after STARTTLS the session forgets EHLO and the transaction, and EHLO no longer offers STARTTLS")
    func startTLSForgetsEverything() {
        var driver = SessionDriver()
        driver.send("EHLO c\r\nMAIL FROM:<a@c>\r\nSTARTTLS\r\n")
        #expect(driver.replies.last == "220 2.0.0 Ready to start TLS")
        #expect(driver.resets == 1)
        #expect(driver.session.isWaiting)
        driver.completeHandshake()
        driver.send("MAIL FROM:<a@c>\r\n")
        #expect(driver.replies.last == "503 5.5.1 Error: send HELO/EHLO first")
        let before = driver.replies.count
        driver.send("EHLO c\r\n")
        #expect(!driver.replies[before...].contains { $0.hasSuffix("STARTTLS") })
        driver.send("STARTTLS\r\n")
        #expect(driver.replies.last == "554 5.5.1 Error: TLS already active")
        driver.send("MAIL FROM:<a@c>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nx\r\n.\r\n")
        #expect(driver.delivered.first?.envelope.protocolName == "ESMTPS")
        #expect(driver.delivered.first?.envelope.tls?.version == "TLSv1.3")
    }

    @Test("plaintext pipelined behind STARTTLS is discarded, never run inside TLS (CVE-2011-0411)")
    func pipelinedPlaintextBehindStartTLS() {
        var driver = SessionDriver()
        driver.send("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@c>\r\nRCPT TO:<b@mx.test>\r\n")
        #expect(driver.startTLSDiscarded == [Array("MAIL FROM:<evil@c>\r\nRCPT TO:<b@mx.test>\r\n".utf8).count])
        driver.completeHandshake()
        #expect(driver.codes == [220, 250, 220])
        driver.send("EHLO c\r\nRCPT TO:<b@mx.test>\r\n")
        #expect(driver.replies.last == "503 5.5.1 Error: need MAIL command")
    }

    @Test("commands out of order get 503 and change nothing")
    func outOfOrder() {
        var driver = SessionDriver()
        driver.send("MAIL FROM:<a@c>\r\nEHLO c\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nMAIL FROM:<a@c>\r\nMAIL FROM:<a@c>\r\nDATA\r\n")
        #expect(
            driver.replies.dropFirst() == [
                "503 5.5.1 Error: send HELO/EHLO first", "250-mx.test", "250-PIPELINING", "250-SIZE 26214400",
                "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250 STARTTLS", "503 5.5.1 Error: need MAIL command",
                "503 5.5.1 Error: need MAIL command", "250 2.1.0 Ok", "503 5.5.1 Error: nested MAIL command",
                "503 5.5.1 Error: need RCPT command",
            ])
        #expect(driver.delivered.isEmpty)
    }

    @Test("VRFY and EXPN are refused; HELP and NOOP answer; unknown verbs get 500")
    func miscellaneousCommands() {
        var driver = SessionDriver()
        driver.send("VRFY root\r\nEXPN staff\r\nHELP\r\nNOOP\r\nBDAT 10\r\nAUTH PLAIN x\r\n")
        #expect(driver.codes.dropFirst() == [502, 502, 214, 250, 500, 500])
    }

    @Test("a client that talks before the greeting gets 554 and is closed")
    func talkBeforeGreeting() {
        var driver = SessionDriver(greet: false)
        driver.send("EHLO early\r\n")
        #expect(driver.replies == ["554 5.5.1 mx.test Error: you talked before the greeting"])
        #expect(driver.closed)
        driver.run(driver.session.greet())
        #expect(driver.replies.count == 1)
    }

    @Test("an overlong command line gets one 500 and the session goes on with the next line", arguments: [false, true])
    func overlongCommand(byteByByte: Bool) {
        var driver = SessionDriver()
        driver.send("NOOP " + String(repeating: "x", count: 5000) + "\r\nNOOP\r\n", byteByByte: byteByByte)
        #expect(driver.replies.dropFirst() == ["500 5.5.2 Error: line too long", "250 2.0.0 Ok"])
    }

    @Test("command lines ending in a bare LF or holding a bare CR are refused")
    func bareLineEndsInCommands() {
        var driver = SessionDriver()
        driver.send("NOOP\nNOOP\rNOOP\r\nNOOP\r\n")
        #expect(driver.codes.dropFirst() == [500, 500, 250])
    }

    @Test("the tenth bad command closes the session with 421")
    func tooManyErrors() {
        var driver = SessionDriver()
        driver.send(String(repeating: "XYZZY\r\n", count: 12))
        #expect(driver.codes.suffix(2) == [500, 421])
        #expect(driver.codes.count == 1 + 10 + 1)
        #expect(driver.closed)
    }

    @Test("SIZE above the limit is refused at MAIL, and a message above it at the end of DATA")
    func sizeLimit() {
        var driver = SessionDriver(policy: SessionPolicy(hostname: "mx.test", maximumMessageSize: 100))
        driver.send("EHLO c\r\nMAIL FROM:<a@c> SIZE=101\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n")
        driver.send(String(repeating: "0123456789\r\n", count: 20) + ".\r\nNOOP\r\n")
        #expect(driver.codes.dropFirst(2) == [552, 250, 250, 354, 552, 250])
        #expect(driver.delivered.isEmpty)
        #expect(driver.resets == 1)
    }

    @Test("more recipients than allowed get 452 4.5.3, and the accepted ones still get the message")
    func recipientLimit() {
        var driver = SessionDriver(policy: SessionPolicy(hostname: "mx.test", maximumRecipients: 2))
        driver.send("EHLO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<1@m>\r\nRCPT TO:<2@m>\r\nRCPT TO:<3@m>\r\nDATA\r\nx\r\n.\r\n")
        #expect(driver.replies.contains("452 4.5.3 Error: too many recipients"))
        #expect(driver.delivered.first?.envelope.recipients == ["1@m", "2@m"])
    }

    @Test("a recipient the destination refuses gets its reply; DATA without any accepted recipient gets 554")
    func destinationRefusesRecipient() {
        var driver = SessionDriver()
        driver.refusedRecipients = ["nobody@mx.test"]
        driver.send("EHLO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<nobody@mx.test>\r\nDATA\r\nRSET\r\n")
        #expect(driver.replies.suffix(3) == ["550 5.1.1 no such user", "554 5.5.1 Error: no valid recipients", "250 2.0.0 Ok"])
    }

    @Test("a rejected delivery passes the destination's reply on, resets, and the next transaction works")
    func rejectedDelivery() {
        var driver = SessionDriver()
        driver.deliveryRejection = ServerReply(451, "4.3.0", "disk full; try again later")
        driver.send("EHLO c\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@m>\r\nDATA\r\nx\r\n.\r\n")
        #expect(driver.replies.last == "451 4.3.0 disk full; try again later")
        #expect(driver.resets == 1)
        driver.deliveryRejection = nil
        driver.send("MAIL FROM:<a@c>\r\nRCPT TO:<b@m>\r\nDATA\r\ny\r\n.\r\n")
        #expect(driver.replies.last == "250 2.0.0 Ok: queued")
        #expect(driver.delivered.map(\.content) == ["y\r\n"])
    }

    @Test("the null reverse path is accepted; an empty recipient is not")
    func nullPaths() {
        var driver = SessionDriver()
        driver.send("EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\nbounce\r\n.\r\n")
        #expect(driver.replies.contains("501 5.1.3 Bad recipient address syntax"))
        #expect(driver.delivered.first?.envelope.sender == "")
        #expect(driver.delivered.first?.envelope.recipients == ["postmaster"])
    }

    @Test("HELO gives plain SMTP: no MAIL parameters, protocol SMTP")
    func heloIsPlainSMTP() {
        var driver = SessionDriver()
        driver.send("HELO c\r\nMAIL FROM:<a@c> SIZE=10\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@m>\r\nDATA\r\nx\r\n.\r\n")
        #expect(driver.replies.contains("555 5.5.4 Error: MAIL parameters need EHLO"))
        #expect(driver.delivered.first?.envelope.protocolName == "SMTP")
    }

    @Test("while the destination is pending the session asks not to be fed, and keeps what arrives meanwhile")
    func waitingKeepsPipelinedInput() {
        var session = SMTPSession(policy: SessionPolicy(hostname: "mx.test"), tlsAvailable: false)
        _ = session.greet()
        let first = session.receive(Array("EHLO c\r\nMAIL FROM:<a@c>\r\nNOOP\r\n".utf8))
        #expect(first.last == .mail(sender: "a@c", parameters: []))
        #expect(session.isWaiting)
        #expect(session.receive(Array("NOOP\r\n".utf8)).isEmpty)
        let after = session.stepFinished(rejection: nil)
        #expect(
            after == [
                .send(ServerReply(250, "2.1.0", "Ok")), .send(ServerReply(250, "2.0.0", "Ok")),
                .send(ServerReply(250, "2.0.0", "Ok")),
            ])
    }

    @Test("a deadline gives 421 4.4.2 and closes")
    func timeout() {
        var driver = SessionDriver()
        driver.run(driver.session.timedOut())
        #expect(driver.replies.last == "421 4.4.2 mx.test Error: timeout exceeded")
        #expect(driver.closed)
    }

    @Test("an implicit-TLS session never offers or accepts STARTTLS")
    func implicitTLS() {
        var driver = SessionDriver(policy: SessionPolicy(hostname: "mx.test", implicitTLS: true), greet: false)
        driver.completeHandshake()
        driver.run(driver.session.greet())
        driver.send("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@c>\r\nRCPT TO:<b@m>\r\nDATA\r\nx\r\n.\r\n")
        #expect(!driver.replies.contains("250 STARTTLS"))
        #expect(driver.replies.contains("554 5.5.1 Error: TLS already active"))
        #expect(driver.delivered.first?.envelope.protocolName == "ESMTPS")
    }
}
