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
