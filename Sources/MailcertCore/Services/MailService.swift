import Foundation
import MailcertCheck

/// A service a certificate can be bound to (`mailcert enable --service`).
public enum MailService: String, CaseIterable, Sendable, Codable {
    /// The bundled listener's STARTTLS port(s).
    case smtp
    /// The bundled listener's implicit-TLS port (465).
    case submission
    case postfix
    case dovecot
    case exim

    /// Services the bundled listener serves itself: it watches the store and bindings.json, so binding is deploying.
    public var isBundledListener: Bool { self == .smtp || self == .submission }

    /// Where a proof connects when nothing else is said, and how TLS starts there.
    public var conventionalEndpoint: (port: Int, starttls: StartTLSProtocol) {
        switch self {
        case .smtp, .postfix, .exim: (25, .smtp)
        case .submission: (465, .none)
        case .dovecot: (993, .none)
        }
    }

    /// Parses "smtp,submission" lists as `--service` takes them.
    public static func parseList(_ inputs: [String]) throws -> [MailService] {
        var services: [MailService] = []
        for item in inputs.flatMap({ $0.split(separator: ",") }) {
            let name = item.trimmingCharacters(in: .whitespaces).lowercased()
            guard let service = MailService(rawValue: name) else {
                throw MailcertError(
                    .badInput,
                    "unknown service '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !services.contains(service) { services.append(service) }
        }
        return services
    }
}
