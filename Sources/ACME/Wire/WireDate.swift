import Foundation

/// The dates a CA sends, read by hand rather than by ICU's date formatters: a fuzzed renewal-information answer
/// with a 100-digit fraction of a second made ICU's parser divide by zero (SIGFPE), so a CA, or whatever answers in
/// its name, could stop `mailcert renew`. These parsers read only the fixed forms the RFCs allow.
enum WireDate {
    /// RFC 3339 `date-time`: `2026-03-02T12:30:00Z`, `…:00.123Z`, `…:00+02:00` (`T`/`t`, `Z`/`z`). Fractions past
    /// nanoseconds are read and dropped.
    static func rfc3339(_ text: String) -> Date? {
        var scan = Scanner(Array(text.utf8))
        guard let year = scan.digits(4), scan.take("-"), let month = scan.digits(2), scan.take("-"),
            let day = scan.digits(2), scan.take("T") || scan.take("t"), let hour = scan.digits(2), scan.take(":"),
            let minute = scan.digits(2), scan.take(":"), let second = scan.digits(2)
        else { return nil }
        var fraction = 0.0
        if scan.take(".") {
            var scale = 0.1
            var count = 0
            while let digit = scan.digit() {
                if count < 9 { fraction += Double(digit) * scale }
                scale /= 10
                count += 1
            }
            guard count > 0 else { return nil }
        }
        var offset = 0
        if scan.take("Z") || scan.take("z") {
        } else if let sign = scan.sign(), let hours = scan.digits(2), scan.take(":"), let minutes = scan.digits(2),
            hours < 24, minutes < 60
        {
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard scan.atEnd, let seconds = epochSeconds(year, month, day, hour, minute, second) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds - offset) + fraction)
    }

    /// RFC 9110 IMF-fixdate, the HTTP date Retry-After carries: `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ text: String) -> Date? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), days.contains(String(parts[0].prefix(3))),
            parts[5] == "GMT", let month = months.firstIndex(of: parts[2])
        else { return nil }
        var dayScan = Scanner(Array(parts[1].utf8))
        var yearScan = Scanner(Array(parts[3].utf8))
        var timeScan = Scanner(Array(parts[4].utf8))
        guard let day = dayScan.digits(2), dayScan.atEnd, let year = yearScan.digits(4), yearScan.atEnd,
            let hour = timeScan.digits(2), timeScan.take(":"), let minute = timeScan.digits(2), timeScan.take(":"),
            let second = timeScan.digits(2), timeScan.atEnd,
            let seconds = epochSeconds(year, month + 1, day, hour, minute, second)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Seconds since 1970 for a UTC civil time, or nil when a field is out of range (a leap second reads as :59).
    static func epochSeconds(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Int? {
        let monthDays = [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31,
            30, 31, 30, 31]
        guard (1...12).contains(month), (1...monthDays[month - 1]).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3600 + minute * 60 + min(second, 59)
    }

    /// Reads ASCII bytes left to right.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { return nil }
            defer { index += 1 }
            return Int(bytes[index] - 0x30)
        }

        /// Exactly `count` digits.
        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func sign() -> Int? {
            if take("+") { return 1 }
            if take("-") { return -1 }
            return nil
        }
    }
}
