import Foundation
import MailcertSystem

/// The Dovecot configuration syntax a deploy writes. 2.4 renamed `ssl_cert = <FILE` and `ssl_key = <FILE` to
/// `ssl_server_cert_file` and `ssl_server_key_file` (plain paths) and refuses the old names, so the snippet follows
/// the installed `dovecot --version` (the system's binary, also for a `--dovecot-config-dir` instance).
enum DovecotVersion: Equatable {
    case v2_3
    case v2_4

    /// The template the snippet is rendered from.
    var template: String {
        switch self {
        case .v2_3: "dovecot/99-mailcert.conf.mustache"
        case .v2_4: "dovecot/99-mailcert-2.4.conf.mustache"
        }
    }

    /// Asks the installed dovecot; a host without one (a staging root) gets the 2.3 syntax and a note saying so.
    static func detect(runner: any ProcessRunning) throws -> (version: DovecotVersion, note: String?) {
        guard let executable = SystemExecutable.find("dovecot") else {
            return (
                .v2_3,
                "dovecot: no dovecot in \(HookEnvironment.defaultPath) to ask its version; wrote Dovecot 2.3's "
                    + "ssl_cert/ssl_key (2.4 needs ssl_server_cert_file/ssl_server_key_file)")
        }
        let result = runner.run(
            executable, arguments: ["--version"], environment: ["PATH": HookEnvironment.defaultPath])
        let output = result.outputText.trimmed
        guard result.termination.succeeded, let version = parse(output) else {
            throw MailcertError(
                .deployFailed,
                "dovecot: '\(executable) --version' answered '\(output)'; mailcert writes settings for Dovecot 2.3 "
                    + "and 2.4 only, so nothing was deployed")
        }
        return (version, nil)
    }

    /// "2.3.19.1 (9b53102964)" is 2.3, "2.4.1 (...)" 2.4; any other major.minor is nil.
    static func parse(_ output: String) -> DovecotVersion? {
        let numbers = output.split(separator: " ").first?.split(separator: ".").prefix(2).compactMap { Int($0) }
        switch numbers {
        case [2, 3]?: return .v2_3
        case [2, 4]?: return .v2_4
        default: return nil
        }
    }
}
