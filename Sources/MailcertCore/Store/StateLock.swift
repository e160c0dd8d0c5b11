#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The store's single-writer lock: `flock` on STATE/lock, held for the life of this value.
///
/// The holder writes its PID into the file, so a second process can say who holds it. The kernel drops the lock
/// when the process dies, so a crash never leaves the store locked.
public final class StateLock: RenewalRunLease {
    private let fd: Int32

    /// Takes the lock without waiting; fails with `.locked` naming the holder when another process has it.
    public convenience init(paths: StatePaths) throws {
        try self.init(paths: paths, file: paths.lock, holderName: "another mailcert process")
    }

    /// The same kind of lock on another file of the state directory, e.g. one `renew` run at a time.
    public init(paths: StatePaths, file: URL, holderName: String) throws {
        do { try POSIXFile.makeDirectory(paths.root, mode: 0o700) } catch let error as MailcertError {
            throw MailcertError(
                .stateDirectory, "cannot use state directory \(paths.root.path): \(error.message); nothing was changed")
        }
        let fd = open(file.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw MailcertError(
                .stateDirectory,
                "cannot open lock file \(file.path): \(reason); nothing was changed")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            guard reason == EWOULDBLOCK else {
                close(fd)
                throw MailcertError(
                    .stateDirectory,
                    "cannot lock \(file.path): \(String(cString: strerror(reason))); nothing was changed")
            }
            let holder = Self.holder(fd)
            close(fd)
            throw MailcertError(
                .locked,
                "\(holderName)\(holder.map { " (pid \($0))" } ?? "") holds \(file.path); "
                    + "nothing was changed; try again when it has finished")
        }
        self.fd = fd
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func holder(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
