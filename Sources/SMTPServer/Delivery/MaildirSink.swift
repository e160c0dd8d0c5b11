import Foundation
import SMTPProtocol
import Synchronization

/// Delivers into a Maildir (https://cr.yp.to/proto/maildir.html) on this host.
///
/// A message is written and fsynced in tmp/, renamed into new/, and new/ is fsynced before the verdict is
/// `.accepted`: the client hears 250 only for a message that survives a crash or a power cut. Readers (Dovecot,
/// mutt) never see a half-written file, because they look in new/ and cur/ only.
public struct MaildirSink: MessageSink {
    /// The Maildir; it and its tmp/, new/ and cur/ are made (mode 0700) at a delivery that finds them missing.
    public let directory: URL
    /// This host's name as configured; file names carry it escaped (`escapedHostname`).
    public let hostname: String
    /// The clock for file names, injected so tests can fix it.
    private let now: @Sendable () -> Date

    public init(directory: URL, hostname: String, now: @escaping @Sendable () -> Date) {
        self.directory = directory
        self.hostname = hostname
        self.now = now
    }

    public func openChannel(for session: SessionInfo) -> any MessageChannel { MaildirChannel(maildir: self) }

    /// Writes `message` into new/ durably; the verdict's detail is the file name.
    func deliver(_ message: [UInt8]) -> DeliveryVerdict {
        let name = uniqueName()
        let temporary = path("tmp", name)
        let final = path("new", name)
        var created = false
        do {
            try prepareDirectories()
            let fd = try SystemCall.check(open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600))
            created = true
            try SystemCall.writeDurably(Self.unixLineEnds(message), to: fd)
            try SystemCall.check(rename(temporary, final))
            created = false
            do {
                try SystemCall.syncDirectory(path("new"))
            } catch {
                // The client will be told to retry: take the message back so a retry does not store it twice.
                unlink(final)
                throw error
            }
        } catch {
            if created { unlink(temporary) }
            return .rejected(Self.reply(errno: (error as? SystemCall.Failure)?.code ?? EIO, directory: directory.path))
        }
        return .accepted(detail: name)
    }

    /// "1700000000.M123456P4242Q7.mx1.example.net": seconds, microseconds, process and a per-process counter, so two
    /// deliveries in the same microsecond (or under a frozen test clock) still get different names.
    func uniqueName() -> String {
        let microseconds = Int64((now().timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, fraction) = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        let counter = Self.deliveries.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(seconds).M\(fraction)P\(getpid())Q\(counter).\(escapedHostname)"
    }

    /// The host name with "/" and ":" written as \057 and \072: a file name may hold neither (and ":" starts the
    /// flags of a message in cur/).
    var escapedHostname: String {
        hostname.replacingOccurrences(of: "/", with: "\\057").replacingOccurrences(of: ":", with: "\\072")
    }

    /// Counts deliveries of this process, for unique names.
    private static let deliveries = Atomic<UInt64>(0)

    private func path(_ components: String...) -> String {
        components.reduce(directory) { $0.appendingPathComponent($1) }.path
    }

    /// Makes the Maildir and its three subdirectories when missing, and syncs each new entry into its parent, so a
    /// crash cannot take back a directory a message was just fsynced into.
    private func prepareDirectories() throws {
        if try SystemCall.makeDirectory(directory.path) {
            try SystemCall.syncDirectory(directory.deletingLastPathComponent().path)
        }
        var made = false
        for subdirectory in ["tmp", "new", "cur"] {
            made = try SystemCall.makeDirectory(path(subdirectory)) || made
        }
        if made { try SystemCall.syncDirectory(directory.path) }
    }

    /// CRLF -> LF, the Unix convention every Maildir reader expects; a lone CR is kept as it came.
    static func unixLineEnds(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count)
        for (index, byte) in message.enumerated() {
            let next = index + 1 < message.count ? message[index + 1] : nil
            if byte == UInt8(ascii: "\r"), next == UInt8(ascii: "\n") { continue }
            out.append(byte)
        }
        return out
    }

    /// A full disk or quota is 452 4.3.1 (RFC 3463: mail system full); anything else 451 4.3.0. Both are transient:
    /// the client keeps the message and retries.
    static func reply(errno code: Int32, directory: String) -> ServerReply {
        let text = "cannot store the message in \(directory): \(String(cString: strerror(code))); try again later"
        return code == ENOSPC || code == EDQUOT ? ServerReply(452, "4.3.1", text) : ServerReply(451, "4.3.0", text)
    }
}

/// One session's channel: any sender and recipients are fine (the listener decides who may send here); only the
/// message touches the disk. It holds nothing but the sink's settings, so it needs no locking.
final class MaildirChannel: MessageChannel {
    private let maildir: MaildirSink

    init(maildir: MaildirSink) { self.maildir = maildir }

    func mail(from sender: String, parameters: [String]) -> DeliveryVerdict { .accepted(detail: "") }
    func recipient(_ recipient: String) -> DeliveryVerdict { .accepted(detail: "") }
    func data(_ message: [UInt8]) -> DeliveryVerdict { maildir.deliver(message) }
    func reset() {}
    func close() {}
}

/// The few POSIX calls of a durable delivery, with errno turned into a thrown `Failure`.
private enum SystemCall {
    struct Failure: Error {
        let code: Int32
    }

    /// `result` when it is not negative; the current errno as a `Failure` otherwise.
    @discardableResult
    static func check(_ result: Int32) throws -> Int32 {
        guard result >= 0 else { throw Failure(code: errno) }
        return result
    }

    /// Writes all of `bytes`, fsyncs and closes `fd` (closed on failure too); a failing close counts, since NFS
    /// reports some write errors only there.
    static func writeDurably(_ bytes: [UInt8], to fd: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written >= 0 else {
                let failure = Failure(code: errno)
                Glibc.close(fd)
                throw failure
            }
            offset += written
        }
        guard fsync(fd) == 0 else {
            let failure = Failure(code: errno)
            Glibc.close(fd)
            throw failure
        }
        try check(Glibc.close(fd))
    }

    /// True when `path` was made, false when something already stands there (a file there fails later, naming it).
    static func makeDirectory(_ path: String) throws -> Bool {
        if mkdir(path, 0o700) == 0 { return true }
        guard errno == EEXIST else { throw Failure(code: errno) }
        return false
    }

    /// fsyncs a directory, making the entries just made or renamed in it durable.
    static func syncDirectory(_ path: String) throws {
        let fd = try check(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        defer { Glibc.close(fd) }
        try check(fsync(fd))
    }
}
