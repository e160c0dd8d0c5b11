import Foundation

/// The Retry-After header (RFC 9110 section 10.2.3): delta-seconds or an HTTP date.
public enum RetryAfter {
    /// The moment `value` names, counted from `now` for delta-seconds; nil when absent or unreadable.
    public static func date(_ value: String?, now: Date) -> Date? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return now.addingTimeInterval(TimeInterval(max(seconds, 0))) }
        return WireDate.httpDate(value)
    }
}
