import Foundation

/// One file a deploy installs: its place, its bytes, and the mode (and group) the daemon needs.
public struct DeployedFile: Sendable, Equatable {
    public var url: URL
    public var bytes: [UInt8]
    public var mode: mode_t
    /// The group that must read it (exim's key); nil keeps the writer's.
    public var group: gid_t?

    public init(url: URL, bytes: [UInt8], mode: mode_t, group: gid_t? = nil) {
        self.url = url
        self.bytes = bytes
        self.mode = mode
        self.group = group
    }

    /// Where the file it replaces is kept: a hidden name in the same directory (so the rename back is atomic) that
    /// no daemon's include pattern matches (`conf.d/*.conf`, Debian exim's conf.d files).
    public var aside: URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).mailcert-previous")
    }
}

/// Switches a set of files, each atomically (temp file, fsync, rename), keeping what each replaced aside so the
/// whole set can go back when the daemon refuses the new one.
///
/// The previous file is kept by a hard link taken before the rename: the same inode, so its mode and owner come
/// back with it, and putting it back is again one rename. The asides stay after a successful switch, for a human.
public struct FileSwitch: Sendable {
    public let files: [DeployedFile]
    /// The files switched so far, and whether each had a previous version.
    private var switched: [(file: DeployedFile, hadPrevious: Bool)] = []

    public init(files: [DeployedFile]) { self.files = files }

    /// Installs every file; when one cannot be, those already switched go back before the error is thrown.
    public mutating func apply() throws {
        for file in files {
            do {
                try POSIXFile.makeDirectory(file.url.deletingLastPathComponent(), mode: 0o755)
                let hadPrevious = try keepAside(file)
                try POSIXFile.writeAtomically(file.bytes, to: file.url, mode: file.mode, group: file.group)
                switched.append((file, hadPrevious))
            } catch {
                let problems = rollback()
                let state = problems.isEmpty ? "the previous files are back in place" : problems.joined(separator: "; ")
                throw MailcertError(.io, "cannot install \(file.url.path): \(error); \(state)")
            }
        }
    }

    /// Puts back what the switched files replaced (a file that was new is removed), last first; returns what could
    /// not be put back, one line each (empty: all is as before).
    @discardableResult
    public mutating func rollback() -> [String] {
        var problems: [String] = []
        for (file, hadPrevious) in switched.reversed() {
            if hadPrevious {
                if rename(file.aside.path, file.url.path) != 0 {
                    let reason = Self.lastError
                    problems.append("cannot put \(file.aside.path) back as \(file.url.path): \(reason)")
                }
            } else if unlink(file.url.path) != 0 && errno != ENOENT {
                let reason = Self.lastError
                problems.append("cannot remove the new \(file.url.path): \(reason)")
            }
            try? POSIXFile.syncDirectory(file.url.deletingLastPathComponent())
        }
        switched = []
        return problems
    }

    /// Links the current file to its aside name (replacing an older aside); false when there is no current file.
    private func keepAside(_ file: DeployedFile) throws -> Bool {
        guard FileManager.default.fileExists(atPath: file.url.path) else { return false }
        unlink(file.aside.path)
        guard link(file.url.path, file.aside.path) == 0 else {
            // errno first: building the message's paths may change it.
            let reason = Self.lastError
            throw MailcertError(
                .io, "cannot keep \(file.url.path) aside as \(file.aside.path): \(reason); it was not replaced")
        }
        return true
    }

    private static var lastError: String { String(cString: strerror(errno)) }
}
