#if canImport(Glibc)
import Glibc

/// Gives up root for good, the Postfix way: bind and load keys first, then become an unprivileged user.
public enum PrivilegeDrop {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Switches the whole process (every thread: glibc broadcasts set*id) to `user`'s uid, gid and groups, then
    /// checks that root cannot be regained.
    public static func become(user: String) throws {
        guard let entry = getpwnam(user) else {
            throw Failure(description: "no user \"\(user)\" in the password database; nothing was started")
        }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        guard initgroups(user, gid) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw Failure(description: "cannot switch to user \"\(user)\": \(String(cString: strerror(errno)))")
        }
        guard uid == 0 || (setuid(0) != 0 && geteuid() == uid) else {
            throw Failure(description: "switched to user \"\(user)\" but root could be regained; refusing to run")
        }
        if let stayed = threadsNotRunningAs(uid) {
            throw Failure(
                description: "switched to user \"\(user)\" but thread(s) \(stayed) kept another uid; refusing to run")
        }
    }

    /// Thread ids whose real, effective, saved or file-system uid is not `uid` (from /proc/self/task/*/status), or
    /// nil when all match. A thread glibc's set*id broadcast missed would keep root behind the caller's back.
    static func threadsNotRunningAs(_ uid: uid_t) -> String? {
        guard let directory = opendir("/proc/self/task") else { return nil }
        defer { closedir(directory) }
        var stayed: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.first?.isNumber == true, let file = fopen("/proc/self/task/\(name)/status", "r") else { continue }
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            while getline(&line, &capacity, file) > 0, let line {
                let text = String(cString: line)
                guard text.hasPrefix("Uid:") else { continue }
                let ids = text.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
                if ids.contains(where: { UInt32($0) != uid }) { stayed.append(name) }
                break
            }
            free(line)
        }
        return stayed.isEmpty ? nil : stayed.joined(separator: ", ")
    }
}
#endif
