import Foundation

/// The running executable's absolute path: what the units mailcert renders call, and where it looks for what ships
/// beside it.
public enum Executable {
    public static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
