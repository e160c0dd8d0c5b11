import Foundation
import SMTPProtocol

/// The trace header a server adds to every message it accepts (RFC 5321 section 4.4), with TLS use recorded the way
/// RFC 8314 section 4.3 suggests: `(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)`.
enum ReceivedHeader {
    static func render(
        envelope: SMTPEnvelope, peerAddress: String, hostname: String, id: String, date: Date
    ) -> [UInt8] {
        var lines = ["Received: from \(clean(envelope.heloName)) ([\(peerAddress)])"]
        lines.append("\tby \(hostname) (mailcert) with \(envelope.protocolName) id \(id)")
        if let tls = envelope.tls {
            lines.append("\t(using \(clean(tls.version)) with cipher \(clean(tls.cipher)))")
        }
        // "for" only with one recipient: with several it would tell each of them about the others.
        if envelope.recipients.count == 1 {
            lines.append("\tfor <\(clean(envelope.recipients[0]))>; \(rfc5322(date))")
        } else {
            lines[lines.count - 1] += "; \(rfc5322(date))"
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// "Sun, 22 Nov 2026 20:18:19 +0000"
    static func rfc5322(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + parts.tm_year) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    /// Client-chosen text goes into a header: keep it printable, without parentheses that would end a comment.
    private static func clean(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value > 0x20 && $0.value < 0x7F && $0 != "(" && $0 != ")" ? Character($0) : "?" })
    }
}
