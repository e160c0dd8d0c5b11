import Logging

/// What the one log line per session says: who, how it was encrypted, what came of it.
struct SessionRecord {
    var peer = "unknown"
    var tlsVersion: String?
    var cipher: String?
    var serverName: String?
    var certificate: String?
    /// How the relay's upstream connection was secured (or why it was refused); nil for a Maildir.
    var upstream: String?
    var messages = 0
    var rejected = 0
    var result = "closed by client"
    var notes: [String] = []

    var metadata: Logger.Metadata {
        var fields: Logger.Metadata = [
            "peer": "\(peer)", "tls": "\(tlsVersion ?? "none")", "messages": "\(messages)", "result": "\(result)",
        ]
        if let cipher { fields["cipher"] = "\(cipher)" }
        if let serverName { fields["sni"] = "\(serverName)" }
        if let certificate { fields["cert"] = "\(certificate)" }
        if let upstream { fields["upstream"] = "\(upstream)" }
        if rejected > 0 { fields["rejected"] = "\(rejected)" }
        if !notes.isEmpty { fields["notes"] = "\(notes.joined(separator: "; "))" }
        return fields
    }
}
