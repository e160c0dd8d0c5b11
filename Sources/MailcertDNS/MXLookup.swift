/// The outcome of an MX lookup, in the three cases RFC 5321 and RFC 7505 give mail different meanings.
public enum MXLookup: Sendable, Equatable {
    /// The mail exchanges, sorted by preference, then name.
    case exchanges([MXRecord])
    /// The name exists but has no MX records (NODATA): RFC 5321 section 5.1 makes the domain itself the implicit MX.
    case noMX
    /// "MX 0 .", RFC 7505: the domain accepts no mail.
    case nullMX

    /// Interprets the MX records of an answer. Null MX records (root exchange) among real ones break RFC 7505; the
    /// real ones are kept so that mail still has somewhere to go, as senders do.
    init(_ records: [MXRecord]) {
        let real = records.filter { !$0.exchange.isEmpty }
        if records.isEmpty {
            self = .noMX
        } else if real.isEmpty {
            self = .nullMX
        } else {
            self = .exchanges(real.sorted { ($0.preference, $0.exchange) < ($1.preference, $1.exchange) })
        }
    }
}

/// One MX record.
public struct MXRecord: Sendable, Equatable, CustomStringConvertible {
    public let preference: UInt16
    /// Lower-case, without the trailing dot; "" for the root (a null MX).
    public let exchange: String

    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }

    /// "10 mx1.example.com".
    public var description: String { "\(preference) \(exchange.isEmpty ? "." : exchange)" }
}
