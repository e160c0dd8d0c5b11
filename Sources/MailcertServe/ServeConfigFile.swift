import Foundation
import MailcertCore
import TOMLKit

/// The `mailcert serve --config FILE` file (TOML). Every key mirrors a flag; flags win.
///
/// ```toml
/// listen = ["0.0.0.0:25", "[::]:587"]
/// implicit_tls = ["0.0.0.0:465"]
/// require_tls = ["0.0.0.0:587"]       # STARTTLS required before MAIL
/// hostname = "mx1.example.com"
/// cert = ["mx1.example.com", "mx1-rsa"]
/// maildir = "/var/mail/inbound"        # or: relay = "127.0.0.1:10025"
/// relay_tls = "verify"                 # with relay: none, may (default), encrypt, verify
/// relay_ca_bundle = "/etc/ssl/private-ca.pem"
/// relay_hostname = "smarthost.example.com"
/// relay_cert = "mx1.example.com"       # a stored certificate, presented as the TLS client certificate
/// user = "mailcert"
///
/// [limits]
/// max_connections = 2000
/// max_connections_per_ip = 50
/// max_message_size = 26214400
/// max_recipients = 100
/// command_timeout = 300        # seconds, total per command
/// handshake_timeout = 60       # seconds, total per TLS handshake
/// min_data_rate = 500          # octets per second during DATA
/// greet_pause = 0              # seconds; > 0 rejects clients that talk before the greeting
/// shutdown_grace = 30          # seconds
/// ticket_key_rotation = 43200  # seconds between new session ticket keys
/// ```
public struct ServeConfigFile: Decodable, Equatable {
    var listen: [String]?
    var implicitTLS: [String]?
    var requireTLS: [String]?
    var hostname: String?
    var cert: [String]?
    /// Also read by `serve --write-unit`: the unit's only writable path.
    public var maildir: String?
    var relay: String?
    var relayTLS: String?
    var relayCABundle: String?
    var relayHostname: String?
    var relayCert: String?
    var user: String?
    var limits: Limits?

    struct Limits: Decodable, Equatable {
        var maxConnections: Int?
        var maxConnectionsPerIP: Int?
        var maxMessageSize: Int?
        var maxRecipients: Int?
        var commandTimeout: Seconds?
        var handshakeTimeout: Seconds?
        var minDataRate: Int?
        var greetPause: Seconds?
        var shutdownGrace: Seconds?
        var ticketKeyRotation: Seconds?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxConnections = "max_connections"
            case maxConnectionsPerIP = "max_connections_per_ip"
            case maxMessageSize = "max_message_size"
            case maxRecipients = "max_recipients"
            case commandTimeout = "command_timeout"
            case handshakeTimeout = "handshake_timeout"
            case minDataRate = "min_data_rate"
            case greetPause = "greet_pause"
            case shutdownGrace = "shutdown_grace"
            case ticketKeyRotation = "ticket_key_rotation"
        }
    }

    /// A number of seconds, written as an integer (`300`) or a fraction (`0.5`): TOML keeps the two apart.
    struct Seconds: Decodable, Equatable {
        var value: Double

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let integer = try? container.decode(Int.self) {
                value = Double(integer)
            } else {
                value = try container.decode(Double.self)
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen
        case implicitTLS = "implicit_tls"
        case requireTLS = "require_tls"
        case hostname, cert, maildir, relay, user, limits
        case relayTLS = "relay_tls"
        case relayCABundle = "relay_ca_bundle"
        case relayHostname = "relay_hostname"
        case relayCert = "relay_cert"
    }

    /// Reads and checks `file`: TOML syntax, value types, and no key mailcert does not know (a typo would otherwise
    /// be silently ignored, and a limit the admin believes set would not be).
    public static func load(_ file: URL) throws -> ServeConfigFile {
        let bytes = try UserFile.read(file, purpose: "cannot read the serve configuration")
        return try parse(bytes, source: file.path)
    }

    /// Checks and decodes the file's bytes; `source` names the file in errors. Apart from `load` so the fuzz target
    /// and the tests reach it without a file.
    static func parse(_ bytes: [UInt8], source: String) throws -> ServeConfigFile {
        let text = String(decoding: bytes, as: UTF8.self)
        if let problem = TOMLSubset.problem(in: text) {
            throw MailcertError(.badInput, "\(source): not a serve configuration: \(problem); nothing was started")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw MailcertError(.badInput, "\(source): not valid TOML: \(error); nothing was started")
        }
        try rejectUnknownKeys(in: table, known: CodingKeys.allCases.map(\.rawValue), where: source)
        if let limits = table["limits"]?.table {
            let known = Limits.CodingKeys.allCases.map(\.rawValue)
            try rejectUnknownKeys(in: limits, known: known, where: "\(source) [limits]")
        }
        do { return try TOMLDecoder().decode(ServeConfigFile.self, from: table) } catch {
            throw MailcertError(.badInput, "\(source): \(describe(error)); nothing was started")
        }
    }

    private static func rejectUnknownKeys(in table: TOMLTable, known: [String], where place: String) throws {
        for key in table.keys where !known.contains(key) {
            throw MailcertError(
                .badInput,
                "\(place): unknown key '\(key)' (known: \(known.joined(separator: ", "))); nothing was started")
        }
    }

    /// What an administrator calls the type a key wanted (TOMLKit names its own types, e.g. TOMLArray).
    private static func kind(_ type: Any.Type) -> String {
        let name = "\(type)"
        if name.contains("Array") { return "a list, e.g. [\"127.0.0.1:25\"]" }
        if name.contains("String") { return "a string in quotes" }
        if name.contains("Int") || name.contains("Double") { return "a number" }
        if name.contains("Table") { return "a table, e.g. [limits]" }
        return name
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(kind(type))"
        case .keyNotFound(let key, let context):
            // TOMLKit reports a value of the wrong type as a missing key.
            var names = context.codingPath.map(\.stringValue)
            if names.last != key.stringValue { names.append(key.stringValue) }
            let path = names.joined(separator: ".")
            return "'\(path)' has a value of the wrong type (a number, a string or a list of strings, as documented)"
        default: return "\(error)"
        }
    }
}
