import Foundation

/// How dates appear in messages and reports across the tool: ISO 8601, UTC.
public enum DateText {
    /// "2027-01-31".
    public static func day(_ date: Date) -> String { format(date, [.withFullDate]) }

    /// "2027-01-31T12:00:00Z".
    public static func instant(_ date: Date) -> String { format(date, [.withInternetDateTime]) }

    private static func format(_ date: Date, _ options: ISO8601DateFormatter.Options) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = options
        return formatter.string(from: date)
    }
}
