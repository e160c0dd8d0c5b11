import Foundation
import MailcertSystem

/// Points a Postfix configuration at mailcert's files with `postconf -c DIR -e`, Postfix's own editor (it keeps the
/// admin's comments and layout), run directly, never through a shell. main.cf has no include directive, so the
/// parameters come from the rendered snippet (`templates/postfix/main.cf.mustache`) and are applied one by one.
struct PostfixMainCF {
    let configDirectory: URL
    let runner: any ProcessRunning

    var file: URL { configDirectory.appendingPathComponent("main.cf") }

    /// The `name = value` lines of a rendered snippet, in order; comments and blank lines are skipped.
    static func parameters(_ snippet: String) -> [(name: String, value: String)] {
        snippet.split(whereSeparator: \.isNewline).compactMap { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { return nil }
            let name = text[..<equals].trimmingCharacters(in: .whitespaces)
            return name.isEmpty ? nil : (name, text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// Sets the parameters that differ; returns main.cf as it was (bytes and mode) when it changed, nil when every
    /// value was already right (a renewal: the file names stay, only their contents change).
    func apply(_ parameters: [(name: String, value: String)]) throws -> (bytes: [UInt8], mode: mode_t)? {
        let changed = try parameters.filter { try value(of: $0.name) != $0.value }
        guard !changed.isEmpty else { return nil }
        let previous = try POSIXFile.read(file)
        let mode = (try? FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
            .flatMap { $0 }.map { mode_t($0) } ?? 0o644
        let result = try postconf(["-e"] + changed.map { "\($0.name) = \($0.value)" })
        guard result.termination.succeeded else {
            try? restore((previous, mode))
            throw MailcertError(
                .deployFailed,
                "postconf -c \(configDirectory.path) -e could not set \(changed.map(\.name).joined(separator: ", ")) "
                    + "in \(file.path): \(result.outputText.trimmed); main.cf is as it was")
        }
        return (previous, mode)
    }

    /// Writes main.cf back as it was.
    func restore(_ previous: (bytes: [UInt8], mode: mode_t)) throws {
        try POSIXFile.writeAtomically(previous.bytes, to: file, mode: previous.mode)
    }

    /// The effective value of a parameter (`postconf -c DIR -h NAME`).
    func value(of name: String) throws -> String {
        let result = try postconf(["-h", name])
        guard result.termination.succeeded else {
            throw MailcertError(
                .deployFailed,
                "postconf -c \(configDirectory.path) -h \(name) failed: \(result.outputText.trimmed); is "
                    + "\(configDirectory.path) a Postfix configuration directory (--postfix-config-dir)? nothing was "
                    + "changed in it")
        }
        return result.outputText.trimmed
    }

    private func postconf(_ arguments: [String]) throws -> ProcessResult {
        guard let executable = SystemExecutable.find("postconf") else {
            throw MailcertError(
                .deployFailed,
                "postconf is not installed (looked in \(HookEnvironment.defaultPath)); Postfix was not pointed at "
                    + "mailcert's files")
        }
        return runner.run(
            executable, arguments: ["-c", configDirectory.path] + arguments,
            environment: ["PATH": HookEnvironment.defaultPath])
    }
}

/// Programs mailcert runs itself, found in the system directories only (never the caller's PATH or the current
/// directory), as hooks get them.
enum SystemExecutable {
    static func find(_ name: String) -> String? {
        HookEnvironment.defaultPath.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

extension String {
    /// Without surrounding white space and newlines (a program's output).
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
