#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Durable file-system primitives: every write in the store is temp file, fsync, rename, fsync of the directory,
/// so a crash leaves either the old or the new file, never a torn one.
public enum POSIXFile {
    /// Writes `bytes` to `url` atomically with `mode`, whatever the umask; `group` (a deployed key a daemon's group
    /// reads) is set before the rename, so the file never appears with the wrong owner.
    public static func writeAtomically(_ bytes: [UInt8], to url: URL, mode: mode_t, group: gid_t? = nil) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create", temporary) }
        var ok = false
        defer {
            if !ok { unlink(temporary.path) }
        }
        do {
            defer { close(fd) }
            if let group, fchown(fd, uid_t.max, group) != 0 { throw failure("cannot set the group of", temporary) }
            guard fchmod(fd, mode) == 0 else { throw failure("cannot set the mode of", temporary) }
            try writeAll(fd, bytes, temporary)
            guard fsync(fd) == 0 else { throw failure("cannot flush", temporary) }
        }
        guard rename(temporary.path, url.path) == 0 else { throw failure("cannot rename into place", url) }
        ok = true
        try syncDirectory(directory)
    }

    /// Flushes a directory's entries (new names, renames) to disk.
    public static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open directory", url) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("cannot flush directory", url) }
    }

    /// Creates `url` and any missing parents with `mode`; an existing directory is fine.
    public static func makeDirectory(_ url: URL, mode: mode_t) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw MailcertError(.io, "\(url.path) exists but is not a directory")
            }
            return
        }
        try makeDirectory(url.deletingLastPathComponent(), mode: 0o755)
        guard mkdir(url.path, mode) == 0 || errno == EEXIST else { throw failure("cannot create directory", url) }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Points `link` at `target` in one rename, replacing whatever `link` was.
    public static func replaceSymlink(_ link: URL, target: String) throws {
        let temporary = link.deletingLastPathComponent().appendingPathComponent(".\(link.lastPathComponent).tmp-\(getpid())")
        unlink(temporary.path)
        guard symlink(target, temporary.path) == 0 else { throw failure("cannot create symlink", temporary) }
        guard rename(temporary.path, link.path) == 0 else {
            unlink(temporary.path)
            throw failure("cannot switch symlink", link)
        }
        try syncDirectory(link.deletingLastPathComponent())
    }

    /// The target of a symlink, or nil when `url` is not one.
    public static func readSymlink(_ url: URL) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)
    }

    /// The whole file, or an error naming it.
    public static func read(_ url: URL) throws -> [UInt8] {
        do { return Array(try Data(contentsOf: url)) } catch {
            let reason = (error as NSError).underlyingErrorReason ?? error.localizedDescription
            throw MailcertError(.io, "cannot read \(url.path): \(reason)")
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ url: URL) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write", url)
            }
            offset += written
        }
    }

    /// Reads errno before anything else: building the path's text may change it.
    static func failure(_ action: String, _ url: URL) -> MailcertError {
        let reason = String(cString: strerror(errno))
        return MailcertError(.io, "\(action) \(url.path): \(reason)")
    }
}

extension NSError {
    /// The POSIX reason behind a Foundation file error ("No such file or directory"), when there is one.
    fileprivate var underlyingErrorReason: String? {
        if let underlying = userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if domain == NSCocoaErrorDomain, code == NSFileReadNoSuchFileError { return "No such file or directory" }
        if domain == NSCocoaErrorDomain, code == NSFileReadNoPermissionError { return "Permission denied" }
        return nil
    }
}
