import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert account rollover|profiles`.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Manage ACME accounts.",
        subcommands: [Rollover.self, Profiles.self]
    )

    struct Rollover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the account key at the CA (RFC 8555 key change).",
            discussion: "The new key is kept as key.next.pem until the CA agrees, then replaces key.pem.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup(title: "ACME") var acme: ACMEOptionGroup

        func run() async throws {
            try await Output.reportingErrors {
                let url = try await ACMEAccountRollover(directoryURL: try acme.directoryURL())
                    .run(store: global.store(), transport: acme.transport(), now: Date()) { Output.note($0) }
                Output.print("rolled over the key of account \(url)")
            }
        }
    }

    struct Profiles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the certificate profiles the CA offers, for 'request --acme --profile NAME'.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup(title: "ACME") var acme: ACMEOptionGroup
        @Flag(help: "Print JSON for scripts.") var json = false

        func run() async throws {
            try await Output.reportingErrors {
                let url = try acme.directoryURL()
                let profiles = try await ACMEProfiles(directoryURL: url).list(transport: acme.transport())
                if json { return try Output.printJSON(["profiles": profiles]) }
                Output.print(ACMEProfiles.text(profiles, directoryURL: url))
            }
        }
    }
}
