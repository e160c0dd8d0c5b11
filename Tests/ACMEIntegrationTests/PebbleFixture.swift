import Foundation
import MailcertTestSupport

/// A Pebble CA and a mailcert store, with the arguments every order against this Pebble needs.
struct PebbleFixture {
    let pebble: PebbleServer
    let mailcert: MailcertRunner

    init(environment: [String: String] = [:], eabKeys: [String: String]? = nil, dnsServer: String? = nil) throws {
        pebble = try PebbleServer(environment: environment, eabKeys: eabKeys, dnsServer: dnsServer)
        mailcert = try MailcertRunner()
    }

    /// `--acme` pointed at this Pebble, trusting its HTTPS, the built-in responder on Pebble's http-01 port.
    var acme: [String] {
        ["--acme", "--server", pebble.directoryURL, "--ca-bundle", pebble.caBundle, "--http-address", "127.0.0.1",
         "--http-port", String(pebble.httpPort)]
    }

    /// `--acme` without the built-in responder options (for webroot and dns-01).
    var acmeServerOnly: [String] { ["--acme", "--server", pebble.directoryURL, "--ca-bundle", pebble.caBundle] }

    func request(_ hostnames: [String], _ extra: [String], name: String? = nil) throws -> Subprocess.Result {
        try mailcert.run(["request"] + hostnames.flatMap { ["-d", $0] } + (name.map { ["--name", $0] } ?? []) + extra)
    }

    var stateDirectory: String { mailcert.stateDirectory }

    func current(_ name: String, _ file: String) -> String { "\(stateDirectory)/certs/\(name)/current/\(file)" }

    /// openssl verify of the stored chain against Pebble's root: the independent judge of what was issued.
    func verifyWithOpenSSL(_ name: String, hostname: String, rootIndex: Int = 0) throws -> String {
        let root = try mailcert.state.write("pebble-root-\(rootIndex).pem", try pebble.rootPEM(rootIndex))
        return try Subprocess.run("openssl", [
            "verify", "-purpose", "sslserver", "-verify_hostname", hostname, "-CAfile", root,
            "-untrusted", current(name, "chain.pem"), current(name, "cert.pem"),
        ]).output
    }

    /// Writes an executable dns-01 hook that sets and clears TXT records in challtestsrv, logging each call.
    func dnsHook() throws -> String {
        let log = mailcert.state.path("dns-hook.log")
        let script = """
            #!/bin/sh
            # mailcert dns-01 hook for tests: CMD add|del RECORD VALUE -> challtestsrv set-txt/clear-txt
            set -eu
            echo "$1 $2 $3" >> \(log)
            case "$1" in
              add) curl -sS --fail -d "{\\"host\\":\\"$2.\\",\\"value\\":\\"$3\\"}" \(pebble.challengeManagementURL)/set-txt ;;
              del) curl -sS --fail -d "{\\"host\\":\\"$2.\\"}" \(pebble.challengeManagementURL)/clear-txt ;;
              *) echo "unknown verb $1" >&2; exit 2 ;;
            esac
            """
        let path = try mailcert.state.write("dns-hook.sh", script)
        chmod(path, 0o755)
        return path
    }
}
