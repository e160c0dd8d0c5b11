#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What is in one stage directory, in the order the hooks run, each entry marked runnable or skipped with why.
///
/// Order is the byte order of the file names (`10-stop` before `20-reload` before `9-late`), as `ls` sorts in the C
/// locale and run-parts does, so the order never depends on the locale of the timer that runs mailcert. What an
/// editor or package manager leaves next to a hook (`x~`, `x.bak`, `x.dpkg-old`, ...) is skipped: running an old copy
/// of a reload script beside the new one is the surprise certbot's `~` rule exists to prevent.
enum HookDirectory {
    /// One directory entry and what to do with it.
    struct Entry: Equatable {
        var file: URL
        /// Why it does not run, or nil when it runs.
        var skipReason: String?
    }

    static let backupSuffixes = [
        "~", ".bak", ".orig", ".dpkg-old", ".dpkg-new", ".dpkg-dist", ".rpmnew", ".rpmsave", ".swp",
    ]

    /// The entries of `directory`, sorted; none when it does not exist. Throws when it exists but cannot be listed.
    static func entries(of directory: URL) throws -> [Entry] {
        guard let stream = opendir(directory.path) else {
            if errno == ENOENT { return [] }
            let reason = String(cString: strerror(errno))
            throw MailcertError(.io, "cannot list \(directory.path): \(reason)")
        }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != Array(".".utf8) && name != Array("..".utf8) { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }.map { classify($0, in: directory) }
    }

    private static func classify(_ bytes: [UInt8], in directory: URL) -> Entry {
        guard let name = String(validating: bytes, as: UTF8.self) else {
            let shown = String(decoding: bytes, as: UTF8.self)
            return Entry(file: directory.appendingPathComponent(shown), skipReason: "its name is not valid UTF-8")
        }
        let file = directory.appendingPathComponent(name)
        if name.hasPrefix(".") { return Entry(file: file, skipReason: "hidden files (a leading dot) never run") }
        if let suffix = backupSuffixes.first(where: { name.hasSuffix($0) }) {
            return Entry(file: file, skipReason: "a backup or package leftover (ends in \(suffix)) never runs")
        }
        return Entry(file: file, skipReason: problem(file.path))
    }

    /// Why the file at `path` cannot run as a hook, or nil when it can. Symlinks are followed: linking a hook
    /// shipped in /usr/share/mailcert/hooks into place is the expected way to enable it.
    private static func problem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "cannot be examined (\(String(cString: strerror(errno)))); a dangling symlink?"
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return "is a directory; hooks are files"
        default: return "is not a regular file"
        }
        guard access(path, X_OK) == 0 else { return "exists, but is not executable; chmod +x it to run it" }
        return nil
    }
}
