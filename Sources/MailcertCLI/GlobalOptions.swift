import ArgumentParser
import Foundation
import MailcertCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options every subcommand takes. The only place the environment is read.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The certificate store.",
            discussion: "Default: $MAILCERT_STATE_DIR, else /var/lib/mailcert as root, else $XDG_STATE_HOME/mailcert.",
            valueName: "dir"))
    var stateDirectory: String?

    /// The store the command works on.
    func store() -> FileCertificateStore { FileCertificateStore(paths: paths()) }

    /// STATE/hooks: the pre, deploy and post hooks of renewals.
    var hooksDirectory: URL { paths().hooks }

    /// systemd sets JOURNAL_STREAM when a unit's output goes to the journal: diagnostics then carry priorities.
    static let stderrIsJournal = !(ProcessInfo.processInfo.environment["JOURNAL_STREAM"] ?? "").isEmpty

    private func paths() -> StatePaths {
        let environment = ProcessInfo.processInfo.environment
        let root: URL =
            if let path = stateDirectory ?? environment["MAILCERT_STATE_DIR"], !path.isEmpty {
                URL(fileURLWithPath: path, isDirectory: true)
            } else {
                StatePaths.defaultRoot(
                    isRoot: geteuid() == 0, xdgStateHome: environment["XDG_STATE_HOME"], home: environment["HOME"])
            }
        return StatePaths(root: root)
    }
}

extension GlobalOptions {
    /// Global options typed before the subcommand (`mailcert --state-dir DIR list`) moved behind it, where every
    /// subcommand parses them (`mailcert list --state-dir DIR`); anything after `--` stays where it is.
    static func hoisted(_ arguments: [String]) -> [String] {
        var global: [String] = []
        var rest = arguments[...]
        while let first = rest.first, first.hasPrefix("-"), first != "--" {
            if first == "--state-dir", rest.count >= 2 {
                global += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--state-dir=") {
                global.append(first)
                rest = rest.dropFirst()
            } else {
                break  // --help, --version: the root command's own
            }
        }
        guard !global.isEmpty else { return arguments }
        var result = Array(rest)
        result.insert(contentsOf: global, at: result.firstIndex(of: "--") ?? result.endIndex)
        return result
    }
}

