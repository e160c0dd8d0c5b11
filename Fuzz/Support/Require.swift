/// An invariant of a fuzz target: unlike `precondition`, keeps its message in release builds, so a crash report
/// says which invariant broke.
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #file,
    line: UInt = #line
) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
