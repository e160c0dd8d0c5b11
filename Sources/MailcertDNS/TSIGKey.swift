import MailcertCrypto

/// A TSIG key (RFC 8945): its name, its HMAC algorithm and the shared secret.
///
/// Read from the files the name servers' own tools write, so the administrator copies one file to both sides: BIND's
/// `tsig-keygen` (`key "name" { algorithm hmac-sha256; secret "base64"; };`) and Knot's `keymgr -t`
/// (`key:` / `- id: name` / `algorithm: hmac-sha256` / `secret: base64`). The secret never appears in messages.
public struct TSIGKey: Sendable, CustomStringConvertible {
    /// Lower-case, without the trailing dot.
    public let name: String
    public let algorithm: HMAC.Algorithm
    let secret: [UInt8]
    /// Where the key came from, for messages: the file, or "the key given".
    public let source: String

    public init(
        name: String, algorithm: HMAC.Algorithm, secret: [UInt8], source: String = "the key given"
    )
        throws(DNSError)
    {
        guard !secret.isEmpty else { throw DNSError(.badKeyFile, "TSIG key \(name) in \(source) has an empty secret") }
        do { self.name = try DNSName.normalized(name) } catch {
            throw DNSError(.badKeyFile, "TSIG key name in \(source): \(error.message)")
        }
        self.algorithm = algorithm
        self.secret = secret
        self.source = source
    }

    /// "key mailcert-test (hmac-sha256) from /etc/mailcert/tsig.key".
    public var description: String { "key \(name) (\(algorithmName)) from \(source)" }

    /// The algorithm's name as TSIG records carry it (RFC 8945 section 6).
    public var algorithmName: String { algorithm == .sha256 ? "hmac-sha256" : "hmac-sha512" }

    /// Reads a BIND or Knot key file holding one key.
    public static func load(_ path: String) throws(DNSError) -> TSIGKey {
        let text: String
        do { text = try DNSResolver.readFile(path) } catch {
            throw DNSError(.badKeyFile, "cannot read the TSIG key file: \(error.message)")
        }
        return try TSIGKey(parsing: text, source: path)
    }

    /// Parses the text of a key file; `source` names it in messages.
    public init(parsing text: String, source: String) throws(DNSError) {
        func bad(_ reason: String) -> DNSError {
            DNSError(
                .badKeyFile,
                "TSIG key file \(source): \(reason) (expected BIND's 'key \"NAME\" { algorithm hmac-sha256; secret"
                    + " \"BASE64\"; };' or Knot's 'key: - id: NAME algorithm: hmac-sha256 secret: BASE64')")
        }
        let fields = text.contains("{") ? Self.bindFields(text) : Self.knotFields(text)
        guard fields.count == 1, let key = fields.first else {
            throw bad(fields.isEmpty ? "no key found" : "\(fields.count) keys found, one expected")
        }
        guard let name = key["name"], !name.isEmpty else { throw bad("the key has no name") }
        guard let algorithmText = key["algorithm"] else { throw bad("key \(name) has no algorithm") }
        let algorithm: HMAC.Algorithm
        switch algorithmText.lowercased() {
        case "hmac-sha256": algorithm = .sha256
        case "hmac-sha512": algorithm = .sha512
        default: throw bad("key \(name) uses \(algorithmText); mailcert supports hmac-sha256 and hmac-sha512")
        }
        guard let encoded = key["secret"] else { throw bad("key \(name) has no secret") }
        guard encoded.allSatisfy({ $0.isLetter || $0.isASCIIDigit || "+/=".contains($0) }), encoded.count % 4 == 0,
            let secret = Base64URL.decode(encoded), !secret.isEmpty
        else { throw bad("the secret of key \(name) is not base64") }
        try self.init(name: name, algorithm: algorithm, secret: secret, source: source)
    }

    /// `key "NAME" { algorithm A; secret "S"; };` blocks, comments (`#`, `//`, `/* */`) removed.
    private static func bindFields(_ text: String) -> [[String: String]] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var scalars = Array(withoutComments(text))
        scalars.append(" ")
        for character in scalars {
            if quoted {
                if character == "\"" {
                    (quoted, current) = (false, current + "\u{0}")
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == " " || character == "\t" || character == "\n" || character == "\r" {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else if "{};".contains(character) {
                if !current.isEmpty { tokens.append(current) }
                (current, tokens) = ("", tokens + [String(character)])
            } else {
                current.append(character)
            }
        }
        let words = tokens.map { $0.replacingNUL() }
        var keys: [[String: String]] = []
        var index = 0
        while index < words.count {
            defer { index += 1 }
            guard words[index] == "key", index + 2 < words.count, words[index + 2] == "{" else { continue }
            var key = ["name": words[index + 1]]
            index += 3
            while index + 1 < words.count, words[index] != "}" {
                if words[index + 1] != ";" { key[words[index]] = words[index + 1] }
                while index < words.count, words[index] != ";", words[index] != "}" { index += 1 }
                if index < words.count, words[index] == ";" { index += 1 }
            }
            keys.append(key)
        }
        return keys
    }

    /// Knot's YAML, read line by line: each `- id:` starts a key; `algorithm:` and `secret:` complete it.
    private static func knotFields(_ text: String) -> [[String: String]] {
        var keys: [[String: String]] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var entry = line.trimmingSpaces
            if entry.hasPrefix("#") { continue }
            let startsKey = entry.hasPrefix("- ")
            if startsKey { entry = String(entry.dropFirst(2)).trimmingSpaces }
            guard let colon = entry.firstIndex(of: ":") else { continue }
            let field = entry[..<colon].trimmingSpaces
            var value = entry[entry.index(after: colon)...].trimmingSpaces
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            if startsKey || (field == "id" && keys.last?["name"] != nil) { keys.append([:]) }
            guard !keys.isEmpty else { continue }
            keys[keys.count - 1][field == "id" ? "name" : field] = value
        }
        return keys.filter { $0["name"] != nil || $0["secret"] != nil }
    }

    private static func withoutComments(_ text: String) -> String {
        var out = ""
        var inBlock = false
        var iterator = Array(text)
        iterator.append("\n")
        var index = 0
        var quoted = false
        while index < iterator.count - 1 {
            let (character, next) = (iterator[index], iterator[index + 1])
            if inBlock {
                if character == "*", next == "/" { (inBlock, index) = (false, index + 1) }
            } else if character == "\"" {
                quoted.toggle()
                out.append(character)
            } else if !quoted, character == "#" || (character == "/" && next == "/") {
                while index < iterator.count - 1, iterator[index] != "\n" { index += 1 }
                out.append("\n")
            } else if !quoted, character == "/", next == "*" {
                (inBlock, index) = (true, index + 1)
            } else {
                out.append(character)
            }
            index += 1
        }
        return out
    }
}

extension String {
    /// Quoted tokens end with NUL so that `""` stays a token; the marker is dropped once tokens are split.
    fileprivate func replacingNUL() -> String { String(filter { $0 != "\u{0}" }) }
}
