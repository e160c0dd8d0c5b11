import ACME
import Foundation
import MailcertCrypto

/// `mailcert account profiles`, and the check `request --acme --profile` makes before anything else: the
/// certificate profiles a CA lists in its directory (draft-ietf-acme-profiles), read without an account.
public struct ACMEProfiles: Sendable {
    public var directoryURL: String

    public init(directoryURL: String) { self.directoryURL = directoryURL }

    /// One offered profile; `--json` prints these.
    public struct Profile: Codable, Equatable, Sendable {
        public var name: String
        public var description: String
    }

    /// The offered profiles sorted by name; empty when the CA lists none.
    public func list(transport: HTTPTransport) async throws -> [Profile] {
        // The directory is public; the key only satisfies the client's shape and is never sent.
        let key = try PrivateKey.generate(.ecdsaP256)
        let client = ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: key)
        do {
            let profiles = try await client.profiles()
            return profiles.map { Profile(name: $0.key, description: $0.value) }.sorted { $0.name < $1.name }
        } catch let error as ACMEError {
            throw MailcertError(.acme, "cannot read the directory of \(directoryURL): \(error.message)")
        }
    }

    /// Refuses a profile the CA does not offer, naming those it does; nothing is ordered or changed.
    public func check(_ profile: String, transport: HTTPTransport) async throws {
        let offered = try await list(transport: transport)
        do {
            try ProfileChoice.check(
                profile, offered: Dictionary(uniqueKeysWithValues: offered.map { ($0.name, $0.description) }),
                directoryURL: directoryURL)
        } catch let error as ACMEError {
            throw MailcertError(.badInput, "\(error.message); nothing was changed")
        }
    }

    /// The lines `account profiles` prints: each name and what the CA says of it, or why there are none.
    public static func text(_ profiles: [Profile], directoryURL: String) -> String {
        guard !profiles.isEmpty else { return "the CA at \(directoryURL) lists no certificate profiles" }
        let width = profiles.map(\.name.count).max() ?? 0
        return profiles.map { $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.description }
            .joined(separator: "\n")
    }
}
