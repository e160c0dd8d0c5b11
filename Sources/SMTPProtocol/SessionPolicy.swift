/// The limits and names one SMTP session works with. Plain values: the CLI reads them from flags and the config.
public struct SessionPolicy: Sendable, Equatable {
    /// The name in the greeting, EHLO and Received headers.
    public var hostname: String
    /// Largest message accepted, in octets, advertised as SIZE (RFC 1870).
    public var maximumMessageSize: Int
    /// More RCPTs than this in one transaction get 452 4.5.3 (RFC 5321 section 4.5.3.1.10 asks for at least 100).
    public var maximumRecipients: Int
    /// Longest command line, CRLF included. RFC 5321 says 512; ESMTP parameters make it longer, so 1000 by default.
    public var maximumCommandLine: Int
    /// Longest line of message text, CRLF included (RFC 5321 section 4.5.3.1.6).
    public var maximumTextLine: Int
    /// Unknown or out-of-order commands tolerated before the session is closed with 421.
    public var maximumErrors: Int
    /// True when the session started inside TLS (port 465, RFC 8314): STARTTLS is then neither offered nor accepted.
    public var implicitTLS: Bool
    /// True on a port where TLS is mandatory (RFC 3207 section 4): before STARTTLS only EHLO, HELO, STARTTLS, NOOP,
    /// RSET and QUIT are accepted, and everything else gets 530 5.7.0.
    public var requireTLS: Bool

    public init(
        hostname: String, maximumMessageSize: Int = 25 * 1024 * 1024, maximumRecipients: Int = 100,
        maximumCommandLine: Int = 1000, maximumTextLine: Int = 1000, maximumErrors: Int = 10, implicitTLS: Bool = false,
        requireTLS: Bool = false
    ) {
        self.hostname = hostname
        self.maximumMessageSize = maximumMessageSize
        self.maximumRecipients = maximumRecipients
        self.maximumCommandLine = maximumCommandLine
        self.maximumTextLine = maximumTextLine
        self.maximumErrors = maximumErrors
        self.implicitTLS = implicitTLS
        self.requireTLS = requireTLS
    }
}
