import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert revoke --name NAME [--reason R]`.
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Ask the ACME CA to revoke NAME's certificate in service.",
        discussion: """
            The request is signed by the account that ordered it, at the CA in STATE/certs/NAME/renewal.json. \
            Revocation does not remove the certificate from the store or from service: obtain a new one first \
            ('mailcert renew --name NAME --force'), then revoke the old one with --reason superseded.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The certificate name in the store.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp(
        "RFC 5280 reason: \(ACMERevocation.reasons.keys.sorted().joined(separator: ", ")).", valueName: "reason"))
    var reason: String?

    func validate() throws {
        _ = try Arguments.certificateName(name)
        if let reason, ACMERevocation.reasons[reason] == nil {
            throw ValidationError("unknown --reason \(reason); use one of \(ACMERevocation.reasons.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await Output.reportingErrors {
            let version = try await ACMERevocation(name: name, reason: reason.flatMap { ACMERevocation.reasons[$0] })
                .run(store: global.store(), transport: ACMEOptionGroup.transport(caBundle:), now: Date()) { Output.note($0) }
            Output.print("revoked '\(name)' version \(version.number)\(reason.map { " (\($0))" } ?? "")")
        }
    }
}
