import Foundation
import MailcertSystem

/// What mailcert ships beside its binary: the templates (`templates/`) and the hooks (`hooks/`). Found, in order,
/// below the binary's `../share/mailcert` (an install under a prefix), in `/usr/share/mailcert` (the Debian
/// package), or in a directory above the binary (a development checkout: `.build/debug/mailcert`).
public struct ShippedFiles: Sendable {
    /// The running executable's absolute path; the caller reads it (`/proc/self/exe`).
    public let executable: String

    public init(executable: String) { self.executable = executable }

    /// What ships beside the running executable.
    public static var running: ShippedFiles { ShippedFiles(executable: Executable.path) }

    /// The file every templates directory holds; it tells a templates directory from any other.
    static let templateMarker = "systemd/mailcert-renew.timer.mustache"

    /// `--templates DIR` when given (it must hold the templates), else the first place that holds them.
    public func templates(_ flag: String?) throws -> URL {
        if let flag {
            let directory = URL(fileURLWithPath: flag, isDirectory: true)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(Self.templateMarker).path)
            else {
                throw MailcertError(
                    .notFound, "--templates \(directory.path) holds no \(Self.templateMarker); nothing was installed")
            }
            return directory
        }
        let candidates = places("templates")
        if let found = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent(Self.templateMarker).path)
        }) {
            return found
        }
        throw MailcertError(
            .notFound,
            "cannot find the templates directory (looked for \(Self.templateMarker) in "
                + "\(candidates.prefix(2).map(\.path).joined(separator: ", ")) and above \(executableDirectory.path)); "
                + "nothing was installed; give --templates DIR")
    }

    /// The shipped hook `file` (e.g. `reload-postfix`), an executable file.
    public func hook(_ file: String) throws -> String {
        let candidates = places("hooks")
        guard
            let found = candidates.map({ $0.appendingPathComponent(file) })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        else {
            throw MailcertError(
                .notFound,
                "cannot find the reload hook \(file) (looked in "
                    + "\(candidates.prefix(2).map(\.path).joined(separator: ", ")) and above "
                    + "\(executableDirectory.path)); nothing was deployed; give --reload-hook FILE")
        }
        return found.path
    }

    /// A `--reload-hook` path, made absolute, that must be an executable file.
    public static func explicitHook(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw MailcertError(.notFound, "--reload-hook \(url.path) is not an executable file; nothing was deployed")
        }
        return url.path
    }

    private var executableDirectory: URL { URL(fileURLWithPath: executable).deletingLastPathComponent() }

    /// Where `folder` may be, in the order they are tried.
    private func places(_ folder: String) -> [URL] {
        var candidates = [
            executableDirectory.appendingPathComponent("../share/mailcert/\(folder)").standardizedFileURL,
            URL(fileURLWithPath: "/usr/share/mailcert/\(folder)"),
        ]
        var directory = executableDirectory
        while directory.path != "/" {
            candidates.append(directory.appendingPathComponent(folder))
            directory = directory.deletingLastPathComponent()
        }
        return candidates
    }
}
