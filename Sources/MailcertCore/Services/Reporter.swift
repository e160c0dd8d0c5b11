/// How a use case speaks while it works: notes (what it did) and warnings (what someone should look at). The CLI
/// prints them on standard error; tests collect them.
public struct Reporter: Sendable {
    public var note: @Sendable (String) -> Void
    public var warn: @Sendable (String) -> Void

    public init(note: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void) {
        self.note = note
        self.warn = warn
    }

    /// Says nothing.
    public static let silent = Reporter(note: { _ in }, warn: { _ in })
}
