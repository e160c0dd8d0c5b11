/// A bad value the user fixes on the command line or in the config file. The CLI reports it as a usage error
/// (exit 64), as argument-parser's `ValidationError` it was before these checks left the CLI.
public struct ServeUsageError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
