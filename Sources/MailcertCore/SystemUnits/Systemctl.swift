import Foundation
import MailcertSystem

/// systemctl on the live system, run as hooks are (`ProcessRunner`): a unit change is only complete once systemd
/// has been told.
public struct Systemctl: Sendable {
    /// Ample for `enable --now`; a systemctl stuck on an unresponsive systemd must not hang `timer install`.
    public static let timeout: Duration = .seconds(300)

    let runner: any ProcessRunning
    /// The environment systemctl runs with (the caller's: systemctl needs its bus address).
    let environment: [String: String]
    /// Where systemctl's own words ("Created symlink ...") go.
    let echo: @Sendable ([UInt8]) -> Void

    public init(
        runner: any ProcessRunning = ProcessRunner(timeout: Systemctl.timeout), environment: [String: String],
        echo: @escaping @Sendable ([UInt8]) -> Void
    ) {
        self.runner = runner
        self.environment = environment
        self.echo = echo
    }

    public func run(_ arguments: [String]) throws {
        let result = runner.run("/usr/bin/env", arguments: ["systemctl"] + arguments, environment: environment)
        echo(result.output)
        let how: String
        switch result.termination {
        case .exited(0): return
        case .exited(let status): how = "exit \(status)"
        case .signaled(let signal): how = "killed by signal \(signal)"
        case .timedOut: how = "no end within \(Self.timeout)"
        case .notStarted(let reason), .unknown(let reason): how = reason
        }
        throw MailcertError(
            .io,
            "systemctl \(arguments.joined(separator: " ")) failed (\(how)); the unit "
                + "files are installed; run it by hand once systemd is running")
    }
}

extension Systemctl {
    /// systemctl for units installed below `root`: the live system's for `/` (echoing to standard error), none for a
    /// staging root, where no systemd is to be told.
    public static func forRoot(_ root: URL, environment: [String: String]) -> Systemctl? {
        guard root.standardizedFileURL.path == "/" else { return nil }
        return Systemctl(environment: environment) { FileHandle.standardError.write(Data($0)) }
    }
}

