import Foundation

/// Debian's exim4-config builds Exim's configuration with update-exim4.conf, either from `conf.d/` (split) or from
/// `exim4.conf.template` plus the admin's `exim4.conf.localmacros` (unsplit, Debian's default), as
/// `update-exim4.conf.conf` in the configuration directory says (`dc_use_split_config`).
struct EximDebianConfig {
    let directory: URL

    var settingsFile: URL { directory.appendingPathComponent("update-exim4.conf.conf") }
    var localMacros: URL { directory.appendingPathComponent("exim4.conf.localmacros") }

    static let begin = "# BEGIN mailcert"
    static let end = "# END mailcert"

    /// true: split; false: unsplit (also when the setting is absent, as update-exim4.conf defaults); nil: there is
    /// no update-exim4.conf.conf, so this is not Debian's exim4-config and the conf.d file is written as always.
    var usesSplitConfig: Bool? {
        guard let text = try? String(contentsOf: settingsFile, encoding: .utf8) else { return nil }
        // A shell file that update-exim4.conf sources: the last assignment wins, quotes are the shell's.
        let values = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("dc_use_split_config=") else { return nil }
            return text.dropFirst("dc_use_split_config=".count)
                .trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        }
        return values.last?.lowercased() == "true"
    }

    /// `existing` with mailcert's block replaced by `block` (appended when there is none); every other line is the
    /// admin's and stays as it was. A block whose end marker is missing is refused rather than guessed at.
    static func replacingBlock(in existing: String, with block: String) throws -> String {
        var lines = existing.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let blockLines = block.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == begin }) else {
            return (lines + blockLines).map { $0 + "\n" }.joined()
        }
        guard let stop = lines[start...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == end }) else {
            throw MailcertError(
                .deployFailed,
                "exim: '\(begin)' has no '\(end)' after it; mend the block by hand, nothing was deployed")
        }
        lines.replaceSubrange(start...stop, with: blockLines)
        return lines.map { $0 + "\n" }.joined()
    }

    /// The mode and group of the admin's file, kept when it is rewritten (0644 and the writer's group for a new one).
    func localMacrosOwnership() -> (mode: mode_t, group: gid_t?) {
        var info = stat()
        guard stat(localMacros.path, &info) == 0 else { return (0o644, nil) }
        return (info.st_mode & 0o7777, info.st_gid)
    }
}
