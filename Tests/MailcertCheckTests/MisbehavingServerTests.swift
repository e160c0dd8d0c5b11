import Foundation
import MailcertTestSupport
import Testing

/// The remote check against servers that misbehave on purpose. No real server does so on request, so a Python
/// script (Fixtures/misbehaving_smtp.py) plays each one; its TLS is Python's real ssl module. Every case must end
/// with a verdict, within its deadlines, never a hang or a crash.
@Suite("Remote checks against misbehaving servers")
struct MisbehavingServerTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/misbehaving_smtp.py").path

    struct Case: Sendable, CustomTestStringConvertible {
        let mode: String
        let exit: Int32
        /// Text the report must contain.
        let says: String
        var testDescription: String { mode }
    }

    @Test(
        "each misbehaviour gets its verdict and reason",
        arguments: [
            Case(mode: "inject_after_starttls", exit: 1, says: "they were discarded"),
            Case(mode: "inject_in_banner", exit: 2, says: "does not offer STARTTLS"),
            Case(mode: "no_starttls", exit: 2, says: "does not offer STARTTLS (EHLO lists: PIPELINING, SIZE)"),
            Case(mode: "refuse_starttls", exit: 2, says: "offered STARTTLS but refused it: 454 4.7.0"),
            Case(mode: "garbage", exit: 3, says: "not"),
            Case(mode: "silent", exit: 3, says: "sent nothing more within 1 s"),
            Case(mode: "drip", exit: 3, says: "within 1 s"),
            Case(mode: "split_replies", exit: 0, says: "STARTTLS offered and accepted"),
            Case(mode: "stall_handshake", exit: 3, says: "did not finish within 1 s"),
            Case(mode: "close_after_starttls", exit: 2, says: "closed the connection during the TLS handshake"),
            Case(mode: "huge_reply", exit: 3, says: "more than 200 lines"),
        ])
    func misbehaviour(_ testCase: Case) throws {
        let leaf = try CheckFixture.ca.issue(LeafSpec(["mx1.example.test"]))
        let (server, port) = try TestMailServer.misbehaving(
            testCase.mode, script: Self.script, certificate: leaf.fullchainPath, key: leaf.keyPath)
        defer { server.stop() }
        let result = try MailcertRunner().run([
            "check", "--connect", "127.0.0.1:\(port)", "--hostname", "mx1.example.test", "--timeout", "1",
            "--ca-bundle", CheckFixture.ca.rootPath,
        ])
        #expect(result.status == testCase.exit, "\(result.output)")
        #expect(result.stdout.contains(testCase.says), "\(result.output)")
    }

    @Test("IMAP STARTTLS and POP3 STLS dialogs reach TLS and check the certificate", arguments: ["imap", "pop3"])
    func otherProtocols(_ protocolName: String) throws {
        let leaf = try CheckFixture.ca.issue(LeafSpec(["mail.example.test"]))
        let (server, port) = try TestMailServer.misbehaving(
            protocolName, script: Self.script, certificate: leaf.fullchainPath, key: leaf.keyPath)
        defer { server.stop() }
        let result = try MailcertRunner().run([
            "check", "--connect", "127.0.0.1:\(port)", "--starttls", protocolName, "--hostname", "mail.example.test",
            "--ca-bundle", CheckFixture.ca.rootPath, "--timeout", "3",
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("STARTTLS offered and accepted"))
    }

    @Test("a certificate chain beyond the size limit ends the handshake with a verdict")
    func hugeChain() throws {
        let leaf = try CheckFixture.ca.issue(LeafSpec(["mx1.example.test"]))
        let padding = String(repeating: CheckFixture.ca.intermediatePEM, count: 320)
        let huge = try CheckFixture.ca.directory.write("huge-\(UUID().uuidString).pem", leaf.certificatePEM + padding)
        #expect(try Data(contentsOf: URL(fileURLWithPath: huge)).count > 300_000)
        let (server, port) = try TestMailServer.misbehaving(
            "huge_chain", script: Self.script, certificate: huge, key: leaf.keyPath)
        defer { server.stop() }
        let result = try MailcertRunner().run(["check", "--connect", "127.0.0.1:\(port)", "--timeout", "5"])
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stdout.contains("excessive message size"), "\(result.output)")
    }
}
