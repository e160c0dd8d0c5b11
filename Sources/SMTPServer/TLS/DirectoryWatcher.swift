import Foundation

#if canImport(Glibc)
import Glibc

/// Calls `onChange` when anything is created, renamed, written or removed in the watched directories (inotify).
///
/// Events are coalesced: the callback runs once the directories have been quiet for `settle`, so a renewal that
/// writes a version directory and then renames `current` causes one reload, not five. Directories that do not exist
/// yet are retried on every event and every `settle`, so a certificate created after start is picked up too.
public final class DirectoryWatcher: Sendable {
    private let directories: @Sendable () -> [URL]
    private let settle: Duration
    private let onChange: @Sendable () -> Void
    /// The inotify descriptor, and the two ends of the pipe that wakes the thread to stop.
    private let descriptors: (inotify: Int32, stop: Int32, wake: Int32)

    /// `directories` is asked again after every event (the directory `current` points at changes with each renewal).
    public init(
        directories: @escaping @Sendable () -> [URL], settle: Duration = .milliseconds(5),
        onChange: @escaping @Sendable () -> Void
    ) throws {
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            close(inotify)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        self.directories = directories
        self.settle = settle
        self.onChange = onChange
        self.descriptors = (inotify, pipeEnds[0], pipeEnds[1])
    }

    deinit {
        close(descriptors.inotify)
        close(descriptors.stop)
        close(descriptors.wake)
    }

    public func start() {
        addWatches()
        let worker = Thread { [self] in run() }
        worker.name = "mailcert-watch"
        worker.start()
    }

    public func stop() {
        var one: UInt8 = 1
        _ = write(descriptors.wake, &one, 1)
    }

    private func addWatches() {
        let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB)
        for directory in directories() {
            _ = inotify_add_watch(descriptors.inotify, directory.path, mask)
        }
    }

    private func run() {
        var fds = [
            pollfd(fd: descriptors.inotify, events: Int16(POLLIN), revents: 0),
            pollfd(fd: descriptors.stop, events: Int16(POLLIN), revents: 0),
        ]
        let settleMilliseconds = Int32(settle.components.seconds * 1000 + settle.components.attoseconds / 1_000_000_000_000_000)
        var dirty = false
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, dirty ? max(1, settleMilliseconds) : -1)
            if ready < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 { return }
            if ready > 0 && fds[0].revents != 0 {
                drainEvents()
                dirty = true
                continue
            }
            if dirty {
                dirty = false
                addWatches()
                onChange()
            }
        }
    }

    private func drainEvents() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while buffer.withUnsafeMutableBytes({ read(descriptors.inotify, $0.baseAddress, $0.count) }) > 0 {}
    }
}
#endif
