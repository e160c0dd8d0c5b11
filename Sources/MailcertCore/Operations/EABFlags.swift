import ACME

/// `--eab-kid` and `--eab-hmac-key` judged together, so the CLI only turns the answer into a usage error.
public enum EABFlags {
    /// Both or neither; the key must be base64url.
    public static func binding(kid: String?, hmacKey: String?) throws -> ExternalAccountBinding? {
        switch (kid, hmacKey) {
        case (nil, nil): return nil
        case let (kid?, key?):
            do { return try ExternalAccountBinding(keyID: kid, macKeyBase64: key) } catch {
                throw MailcertError(.badInput, "--eab-hmac-key: \(error)")
            }
        default: throw MailcertError(.badInput, "--eab-kid and --eab-hmac-key go together")
        }
    }
}
