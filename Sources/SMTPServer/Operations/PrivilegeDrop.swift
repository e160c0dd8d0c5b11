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
    }
}
#endif
