/// How a probe gets from a plain connection to the TLS handshake.
public enum StartTLSProtocol: String, Sendable, CaseIterable, Codable {
    /// EHLO, then STARTTLS (RFC 3207).
    case smtp
    /// CAPABILITY, then STARTTLS (RFC 3501 section 6.2.1).
    case imap
    /// CAPA, then STLS (RFC 2595 section 4).
    case pop3
    /// Implicit TLS from the first byte (RFC 8314): submissions 465, imaps 993, pop3s 995.
    case none

    /// What a port speaks by convention; unknown ports are taken for SMTP, the tool's subject.
    public static func conventional(forPort port: Int) -> StartTLSProtocol {
        switch port {
        case 465, 993, 995: .none
        case 143: .imap
        case 110: .pop3
        default: .smtp
        }
    }
}
