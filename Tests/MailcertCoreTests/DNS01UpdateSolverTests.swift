import ACME
import Foundation
import MailcertTestSupport
import Testing

@testable import MailcertCore

/// The dns-01 UPDATE solver against real BIND named servers: the wait for the authoritative servers, and the
/// delete that follows a failed or cancelled wait.
@Suite("dns-01 over DNS UPDATE", .enabled(if: NamedServer.shouldRun))
struct DNS01UpdateSolverTests {
    static let task = ChallengeTask(hostname: "mx1.example.test", token: "token", keyAuthorization: "token.thumb")
    static let record = "_acme-challenge.mx1.example.test"

    @Test("present returns once the authoritative server answers the value; cleanUp deletes it")
    func presentAndCleanUp() async throws {
        let named = try NamedServer()
        let solver = try DNS01UpdateSolver(
            server: named.address, keyFile: named.sha512KeyFile, authoritative: [named.address])
        try await solver.present(Self.task)
        #expect(try named.dig(Self.record, "TXT") == ["\"\(Self.task.dnsValue)\""])
        await solver.cleanUp(Self.task)
        #expect(try named.dig(Self.record, "TXT") == [])
    }

    @Test("a server that never answers the record: the wait gives up naming it, and cleanUp still deletes the record")
    func notVisible() async throws {
        let named = try NamedServer()
        let stale = try NamedServer()  // authoritative for example.test too, but never updated
        var solver = try DNS01UpdateSolver(
            server: named.address, keyFile: named.sha256KeyFile, authoritative: [named.address, stale.address])
        solver.propagationTimeout = .seconds(1)
        await #expect {
            try await solver.present(Self.task)
        } throws: { error in
            let message = (error as? ACMEError)?.message ?? ""
            return message.contains("still not answered by \(stale.address)") && !message.contains(named.address + ",")
                && message.contains(Self.record) && message.contains("zone example.test")
        }
        #expect(try named.dig(Self.record, "TXT").count == 1)
        await solver.cleanUp(Self.task)
        #expect(try named.dig(Self.record, "TXT") == [])
    }

    @Test("an order cancelled while waiting: cleanUp in the cancelled task still deletes the record")
    func cancelled() async throws {
        let named = try NamedServer()
        let stale = try NamedServer()
        let solver = try DNS01UpdateSolver(
            server: named.address, keyFile: named.sha256KeyFile, authoritative: [stale.address])
        let order = Task {
            do { try await solver.present(Self.task) } catch {}
            await solver.cleanUp(Self.task)
        }
        for _ in 0..<100 where try named.dig(Self.record, "TXT").isEmpty {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try named.dig(Self.record, "TXT").count == 1)
        order.cancel()
        await order.value
        #expect(try named.dig(Self.record, "TXT") == [])
    }

    @Test("a bad key file or server address is a solver error before anything is sent")
    func badInput() async throws {
        #expect(throws: ACMEError.self) {
            try DNS01UpdateSolver(server: "dns.example", keyFile: "/x", authoritative: nil)
        }
        let solver = try DNS01UpdateSolver(server: "127.0.0.1:1", keyFile: "/nonexistent.key", authoritative: nil)
        await #expect {
            try await solver.present(Self.task)
        } throws: { error in
            (error as? ACMEError)?.message.contains("/nonexistent.key") == true
        }
    }
}
