import Foundation
import MailcertSystem

/// Deploys a certificate version to postfix, dovecot or exim: switch the files (and main.cf), reload the daemon
/// through its reload hook, and when the reload fails put everything back and reload again, so the daemon keeps
/// serving what it served before. `enable` and `renew` both deploy through here, with the store's lock held.
public struct ServiceDeployer: Sendable {
    public let service: MailService
    public let settings: DeploySettings
    /// Runs postconf and the reload hook (with the reload's timeout).
    public let runner: any ProcessRunning

    public init(service: MailService, settings: DeploySettings, runner: any ProcessRunning) {
        self.service = service
        self.settings = settings
        self.runner = runner
    }

    /// What a deploy installed: the files, and the reload hook's last line.
    public struct Outcome: Sendable {
        public var files: [URL]
        public var notes: [String]
    }

    /// Deploys `version`; on failure nothing of this deploy stays in place, and the error names the service, the
    /// file or the reload and its output, and says that the previous files are back.
    public func deploy(_ version: StoredVersion, files: ServedFiles, progress: (String) -> Void = { _ in }) throws
        -> Outcome
    {
        let renderer = TemplateRenderer(directory: URL(fileURLWithPath: settings.templates, isDirectory: true))
        let plan = try DeployPlan.make(
            service: service, settings: settings, version: version, renderer: renderer, runner: runner)
        for note in plan.notes { progress(note) }
        var fileSwitch = FileSwitch(files: plan.files)
        do { try fileSwitch.apply() } catch let error as MailcertError {
            throw MailcertError(.deployFailed, "\(service.rawValue): \(error.message)")
        }
        let mainCF = PostfixMainCF(configDirectory: URL(fileURLWithPath: settings.configDirectory), runner: runner)
        var previousMainCF: (bytes: [UInt8], mode: mode_t)?
        if !plan.postfixParameters.isEmpty {
            do { previousMainCF = try mainCF.apply(plan.postfixParameters) } catch let error as MailcertError {
                let problems = fileSwitch.rollback()
                throw MailcertError(.deployFailed, "\(service.rawValue): \(error.message); " + Self.back(problems))
            }
            if previousMainCF != nil {
                progress("\(service.rawValue): \(mainCF.file.path) now names \(plan.files[0].url.path)")
            }
            let managed = [URL(fileURLWithPath: settings.root).appendingPathComponent("etc/mailcert"), files.directory]
            for warning in PostfixClientCertificate.warnings(mainCF: mainCF, managed: managed) { progress(warning) }
        }
        if let regenerate = plan.regenerate {
            let result = runRegenerate(regenerate)
            guard result.termination.succeeded else {
                let problems = fileSwitch.rollback()
                _ = runRegenerate(regenerate)
                throw MailcertError(
                    .deployFailed,
                    "\(service.rawValue): \(regenerate[0]) \(Self.ended(result)): \(Self.tail(result)); "
                        + Self.back(problems) + "; the daemon was not reloaded")
            }
        }
        let installed = plan.files.map(\.url.path).joined(separator: ", ")
        let reload = runReload(version, files: files, runner: runner)
        guard reload.termination.succeeded else {
            var problems = fileSwitch.rollback()
            if let previousMainCF {
                do { try mainCF.restore(previousMainCF) } catch { problems.append("\(error)") }
            }
            if let regenerate = plan.regenerate {
                let result = runRegenerate(regenerate)
                if !result.termination.succeeded { problems.append("\(regenerate[0]): \(Self.tail(result))") }
            }
            let again = runReload(version, files: files, runner: runner)
            let reloadedAgain = again.termination.succeeded
                ? "\(service.rawValue) was reloaded with them"
                : "reloading \(service.rawValue) with them failed too (\(Self.ended(again))): \(Self.tail(again))"
            throw MailcertError(
                .deployFailed,
                "\(service.rawValue): the reload (\(settings.reloadHook)) \(Self.ended(reload)) after installing "
                    + "\(installed): \(Self.tail(reload)); " + Self.back(problems) + "; " + reloadedAgain)
        }
        progress("\(service.rawValue): installed \(installed); reloaded: \(Self.tail(reload))")
        return Outcome(files: plan.files.map(\.url), notes: plan.notes)
    }

    /// The reload hook with the hook contract for the version in service (and the instance's configuration: postfix's
    /// directory, dovecot's dovecot.conf in its directory, so a hook reloads the instance that was configured).
    private func runReload(_ version: StoredVersion, files: ServedFiles, runner: any ProcessRunning) -> ProcessResult {
        var environment = HookEnvironment(current: version, files: files, service: service.rawValue)
        if service == .postfix { environment.extra["MAILCERT_POSTFIX_CONFIG_DIR"] = settings.configDirectory }
        if service == .dovecot {
            environment.extra["MAILCERT_DOVECOT_CONFIG"] =
                URL(fileURLWithPath: settings.configDirectory).appendingPathComponent("dovecot.conf").path
        }
        return runner.run(settings.reloadHook, environment: environment.variables)
    }

    /// update-exim4.conf rebuilding Exim's configuration (its output directory made first, for a staging root).
    private func runRegenerate(_ command: [String]) -> ProcessResult {
        if let output = command.last {
            try? POSIXFile.makeDirectory(URL(fileURLWithPath: output).deletingLastPathComponent(), mode: 0o755)
        }
        return runner.run(
            command[0], arguments: Array(command.dropFirst()), environment: ["PATH": HookEnvironment.defaultPath])
    }

    private static func back(_ problems: [String]) -> String {
        problems.isEmpty
            ? "the previous files are back in place"
            : "NOT everything could be put back: " + problems.joined(separator: "; ")
    }

    private static func ended(_ result: ProcessResult) -> String { HookOutcome.describe(result.termination) }

    /// The last lines of a program's output, on one line.
    private static func tail(_ result: ProcessResult) -> String {
        let lines = result.outputText.split(whereSeparator: \.isNewline).suffix(5)
        return lines.isEmpty ? "(no output)" : lines.joined(separator: " | ")
    }
}
