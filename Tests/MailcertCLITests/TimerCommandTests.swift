import Foundation
import MailcertTestSupport
import Testing

/// `mailcert timer` into a staging root, judged by `systemd-analyze verify` (installed with systemd on Debian).
@Suite("The renewal timer")
struct TimerCommandTests {
    @Test("install renders a service and a 6-hourly timer that systemd-analyze verify accepts without a warning")
    func systemd() throws {
        let mailcert = try MailcertRunner()
        let root = try TemporaryDirectory("mailcert-root")
        let result = try mailcert.run(["timer", "install", "--root", root.url.path])
        #expect(result.status == 0, "\(result.output)")
        let service = root.path("etc/systemd/system/mailcert-renew.service")
        let timer = root.path("etc/systemd/system/mailcert-renew.timer")
        #expect(try mailcert.mode(service) == 0o644)
        let unit = try String(contentsOfFile: service, encoding: .utf8)
        #expect(unit.contains("ExecStart=\(MailcertRunner.binary) renew --state-dir \(mailcert.stateDirectory)"))
        #expect(unit.contains("ProtectSystem=strict"))
        let schedule = try String(contentsOfFile: timer, encoding: .utf8)
        for line in [
            "OnCalendar=*-*-* 00,06,12,18:00:00", "RandomizedDelaySec=1h", "Persistent=true", "WantedBy=timers.target",
        ] {
            #expect(schedule.contains(line))
        }
        let verify = try Subprocess.run("systemd-analyze", ["verify", service, timer])
        #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze: \(verify.output)")

        let again = try mailcert.run(["timer", "install", "--root", root.url.path])
        #expect(again.status == 0, "installing twice replaces mailcert's own files")
        let removed = try mailcert.run(["timer", "remove", "--root", root.url.path])
        #expect(removed.status == 0)
        #expect(!FileManager.default.fileExists(atPath: service) && !FileManager.default.fileExists(atPath: timer))
    }

    @Test("--cron writes one cron.d line running renew twice a day, 12 hours apart")
    func cron() throws {
        let mailcert = try MailcertRunner()
        let root = try TemporaryDirectory("mailcert-root")
        #expect(try mailcert.run(["timer", "install", "--root", root.url.path, "--cron"]).status == 0)
        let text = try String(contentsOfFile: root.path("etc/cron.d/mailcert-renew"), encoding: .utf8)
        let job = try #require(text.split(separator: "\n").last.map(String.init))
        let fields = job.split(separator: " ", maxSplits: 6).map(String.init)
        let hours = fields[1].split(separator: ",").compactMap { Int($0) }
        #expect(Int(fields[0]).map { (0..<60).contains($0) } == true)
        #expect(hours.count == 2 && hours[1] == hours[0] + 12)
        #expect(fields[5] == "root")
        #expect(fields[6] == "\(MailcertRunner.binary) renew --state-dir \(mailcert.stateDirectory) >/dev/null")
    }

    @Test("--binary names the mailcert the units run (a package's /usr/bin/mailcert), not the one rendering them")
    func binary() throws {
        let mailcert = try MailcertRunner()
        let root = try TemporaryDirectory("mailcert-root")
        let result = try mailcert.run([
            "--state-dir", "/var/lib/mailcert", "timer", "install", "--root", root.url.path,
            "--binary", "/usr/bin/mailcert",
        ])
        #expect(result.status == 0, "\(result.output)")
        let unit = try String(contentsOfFile: root.path("etc/systemd/system/mailcert-renew.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/mailcert renew --state-dir /var/lib/mailcert --no-random-sleep"))
    }

    @Test("a templates directory without the timer templates is refused before anything is written")
    func missingTemplates() throws {
        let root = try TemporaryDirectory("mailcert-root")
        let result = try MailcertRunner().run(["timer", "install", "--root", root.url.path, "--templates", root.url.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("holds no systemd/mailcert-renew.timer.mustache; nothing was installed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.url.path).isEmpty)
    }

    @Test("a file of the same name that mailcert did not write is neither overwritten nor removed")
    func foreignFile() throws {
        let mailcert = try MailcertRunner()
        let root = try TemporaryDirectory("mailcert-root")
        try FileManager.default.createDirectory(
            atPath: root.path("etc/systemd/system"), withIntermediateDirectories: true)
        let own = try root.write("etc/systemd/system/mailcert-renew.timer", "[Timer]\nOnCalendar=hourly\n")
        for arguments in [["timer", "install"], ["timer", "remove"]] {
            let result = try mailcert.run(arguments + ["--root", root.url.path])
            #expect(result.status == 1)
            #expect(result.stderr.contains("\(own) exists and was not written by mailcert"), "\(result.stderr)")
            #expect(try String(contentsOfFile: own, encoding: .utf8) == "[Timer]\nOnCalendar=hourly\n")
        }
        #expect(!FileManager.default.fileExists(atPath: root.path("etc/systemd/system/mailcert-renew.service")))
    }
}
