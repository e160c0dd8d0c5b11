import Foundation
import MailcertTestSupport
import SMTPProtocol
import Testing

@testable import SMTPServer

/// Delivery into a Maildir on the real file system: where the message lands, under which name, with which mode and
/// line ends, and what the client hears when the disk refuses.
@Suite("Maildir delivery")
struct MaildirSinkTests {
    /// 2023-11-14 22:13:20.123456 UTC, frozen: file names must come from the injected clock, not the system's.
    static let moment = Date(timeIntervalSince1970: 1_700_000_000.123456)
    static let session = SessionInfo(peer: "192.0.2.7:50123", heloName: "client.example.test")
    /// As the listener hands it over: CRLF line ends, dot-unstuffed (hence the lone "." line), Received: first.
    static let message = Array(
        ("Received: from client.example.test by mx1.example.test\r\nSubject: hello\r\n\r\n"
            + "first line\r\n.a line starting with a dot\r\n.\r\nbare CR\rstays\r\nlast line\r\n").utf8)

    static func sink(_ directory: URL, hostname: String = "mx1.example.test") -> MaildirSink {
        MaildirSink(directory: directory, hostname: hostname, now: { moment })
    }

    @Test("the message lands in new/ (never left in tmp/), mode 0600, with LF line ends; the verdict names the file")
    func delivers() throws {
        let scratch = try TemporaryDirectory("maildir")
        let maildir = scratch.url.appendingPathComponent("Maildir")
        let channel = Self.sink(maildir).openChannel(for: Self.session)

        #expect(channel.mail(from: "alice@example.test", parameters: ["SIZE=200"]) == .accepted(detail: ""))
        #expect(channel.recipient("bob@example.test") == .accepted(detail: ""))
        let verdict = channel.data(Self.message)
        channel.close()

        guard case .accepted(let name) = verdict else {
            Issue.record("delivery failed: \(verdict)")
            return
        }
        #expect(try entries(maildir, "new") == [name])
        #expect(try entries(maildir, "tmp") == [])
        #expect(try entries(maildir, "cur") == [])
        let file = maildir.appendingPathComponent("new").appendingPathComponent(name).path
        #expect(try mode(file) == 0o600)
        let expected =
            "Received: from client.example.test by mx1.example.test\nSubject: hello\n\n"
            + "first line\n.a line starting with a dot\n.\nbare CR\rstays\nlast line\n"
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(expected.utf8))
        for directory in ["", "tmp", "new", "cur"] {
            #expect(try mode(maildir.appendingPathComponent(directory).path) == 0o700, "\(directory)/")
        }
    }

    @Test("the name is <seconds>.M<microseconds>P<pid>Q<counter>.<host> from the injected clock, host escaped")
    func name() throws {
        let scratch = try TemporaryDirectory("maildir")
        let maildir = scratch.url.appendingPathComponent("Maildir")
        let channel = Self.sink(maildir, hostname: "mx1/a:b.example.test").openChannel(for: Self.session)

        let first = channel.data(Self.message)
        let second = channel.data(Self.message)

        let pattern = try Regex(#"1700000000\.M123456P(\d+)Q(\d+)\.mx1\\057a\\072b\.example\.test"#)
        var counters: [Int] = []
        for verdict in [first, second] {
            guard case .accepted(let name) = verdict, let match = try pattern.wholeMatch(in: name) else {
                Issue.record("not a Maildir name from the frozen clock: \(verdict)")
                continue
            }
            #expect(match.output[1].substring.flatMap { Int32($0) } == getpid())
            counters += match.output[2].substring.flatMap { Int($0) }.map { [$0] } ?? []
        }
        // Under a frozen clock only the counter tells two deliveries apart.
        #expect(counters.count == 2 && counters[0] != counters[1])
        #expect(try entries(maildir, "new").count == 2)
    }

    @Test("a Maildir that cannot be made (its parent is a regular file) gives 451 4.3.0 naming the directory")
    func unusableDirectory() throws {
        let scratch = try TemporaryDirectory("maildir")
        // Tests run as root, whom chmod 0500 does not stop; a path through a regular file stops everyone.
        try scratch.write("a-file", "not a directory\n")
        let maildir = scratch.url.appendingPathComponent("a-file").appendingPathComponent("Maildir")

        let verdict = Self.sink(maildir).openChannel(for: Self.session).data(Self.message)

        let text = "cannot store the message in \(maildir.path): Not a directory; try again later"
        #expect(verdict == .rejected(ServerReply(451, "4.3.0", text)))
    }

    @Test("a failure after the file was written in tmp/ (new/ is not a directory) removes it and gives 451")
    func failedRenameLeavesNothing() throws {
        let scratch = try TemporaryDirectory("maildir")
        let maildir = scratch.url.appendingPathComponent("Maildir")
        for directory in ["tmp", "cur"] {
            try FileManager.default.createDirectory(
                at: maildir.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try scratch.write("Maildir/new", "in the way\n")

        let verdict = Self.sink(maildir).openChannel(for: Self.session).data(Self.message)

        let text = "cannot store the message in \(maildir.path): Not a directory; try again later"
        #expect(verdict == .rejected(ServerReply(451, "4.3.0", text)))
        #expect(try entries(maildir, "tmp") == [])
        #expect(try scratch.read("Maildir/new") == "in the way\n")
    }

    @Test("a full disk or quota is 452 4.3.1; other errors are 451 4.3.0, both saying to try again later")
    func fullDisk() {
        // No test can fill a disk on request; the mapping from errno is checked on its own.
        let directory = "/var/mail/alice"
        #expect(
            MaildirSink.reply(errno: ENOSPC, directory: directory)
                == ServerReply(
                    452, "4.3.1",
                    "cannot store the message in /var/mail/alice: No space left on device; try again later"))
        #expect(MaildirSink.reply(errno: EDQUOT, directory: directory).code == 452)
        #expect(
            MaildirSink.reply(errno: EIO, directory: directory)
                == ServerReply(
                    451, "4.3.0", "cannot store the message in /var/mail/alice: Input/output error; try again later"))
    }
}

/// The names in `maildir`'s `subdirectory`, sorted.
private func entries(_ maildir: URL, _ subdirectory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent(subdirectory).path).sorted()
}

/// The permission bits of `path`.
private func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
