import Foundation
import MailcertTestSupport
import Testing

/// `mailcert check` as an administrator runs it on stored certificates and files, and its usage errors.
@Suite("mailcert check on the command line")
struct CheckCommandTests {
    let ca = CheckCommandTests.sharedCA

    /// One throwaway CA for these tests (making one takes a moment).
    static let sharedCA: TestCA = {
        do { return try TestCA(name: "Mailcert Check Command Test") } catch { fatalError("cannot make the test CA: \(error)") }
    }()

    @Test("--cert with --key and --chain: OK (exit 0) for a good set, CRITICAL (exit 2) for a foreign key")
    func files() throws {
        let leaf = try ca.issue(LeafSpec(["mx1.example.test"]))
        let other = try ca.issue(LeafSpec(["mx1.example.test"]))
        let mailcert = try MailcertRunner()
        let common = [
            "check", "--cert", leaf.certificatePath, "--chain", ca.directory.path("intermediate.pem"),
            "--hostname", "mx1.example.test", "--ca-bundle", ca.rootPath,
        ]
        let good = try mailcert.run(common + ["--key", leaf.keyPath])
        #expect(good.status == 0, "\(good.output)")
        #expect(good.stdout.hasPrefix("OK: \(leaf.certificatePath)"))
        let foreign = try mailcert.run(common + ["--key", other.keyPath])
        #expect(foreign.status == 2)
        #expect(foreign.stdout.contains("key: the private key does not belong to the certificate"))
    }

    @Test("--name checks the version in service; --warn-days turns a fresh 30-day certificate into a WARNING (exit 1)")
    func stored() throws {
        let mailcert = try MailcertRunner()
        #expect(try mailcert.run(["request", "-d", "mx1.example.test", "--self-signed", "--days", "30"]).status == 0)
        let result = try mailcert.run([
            "check", "--name", "mx1.example.test", "--hostname", "mx1.example.test", "--warn-days", "40", "--json",
        ])
        // Self-signed: the chain is CRITICAL, the margin a WARNING; the worst wins.
        #expect(result.status == 2, "\(result.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.first { $0["check"] as? String == "validity" }?["status"] as? String == "WARNING")
        #expect(results.first { $0["check"] as? String == "key" }?["status"] as? String == "OK")
    }

    @Test(
        "usage errors exit 3 (UNKNOWN: a plugin runner reads 64 as garbage) and say what is wrong",
        arguments: [
            (["check"], "exactly one of --name, --cert, --connect or --domain"),
            (["check", "--name", "a", "--connect", "b"], "exactly one of"),
            (["check", "--name", "a", "--key", "k.pem"], "--key and --chain go with --cert"),
            (["check", "--name", "a", "--starttls", "smtp"], "--starttls and --servername go with --connect"),
            (["check", "--connect", "a", "--starttls", "ftp"], "ftp"),
            (["check", "--connect", "a", "--tlsa", "3 1 1 ABC"], "--tlsa \"3 1 1 ABC\""),
            (["check", "--connect", "a", "--warn-days", "3", "--crit-days", "7"], "--crit-days"),
            (["check", "--domain", "example.test", "--hostname", "x"], "drop --hostname"),
            (["check", "--connect", "a:99999"], "between 1 and 65535"),
            (["check", "--connect", "a", "--port", "587"], "--port goes with --domain"),
            (["check", "--domain", "example.test", "--resolver", "notanip"], "--resolver: invalid DNS resolver address"),
            (["check", "--name", "a", "--no-such-flag"], "Error: "),
            (["--state-dir", "/tmp", "check"], "exactly one of --name, --cert, --connect or --domain"),
        ])
    func usage(arguments: [String], says: String) throws {
        let result = try MailcertRunner().run(arguments)
        #expect(result.status == 3, "\(result.output)")
        #expect(result.stderr.contains(says), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
    }

    @Test(
        "other commands keep exit 64 for usage errors",
        arguments: [["list", "--no-such-flag"], ["renew", "--concurrency", "0"]])
    func otherUsage(arguments: [String]) throws {
        let result = try MailcertRunner().run(arguments)
        #expect(result.status == 64, "\(result.output)")
    }

    @Test("a check that cannot run is UNKNOWN (exit 3), naming the file, never a WARNING-like exit 1")
    func missingFile() throws {
        let result = try MailcertRunner().run(["check", "--cert", "/nonexistent/cert.pem"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("/nonexistent/cert.pem"))
    }
}
