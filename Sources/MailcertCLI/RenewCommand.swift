import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert renew --name NAME [--force]`: renew one ACME certificate when it is due.
struct RenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew an ACME certificate when it is due (or now, with --force).",
        discussion: """
            Due means: inside the renewal window the CA suggests (ACME Renewal Information, RFC 9773), at a random \
            moment of it; without one, when a third of the lifetime is left (half, under ten days). The order \
            repeats the options of 'request --acme' (STATE/certs/NAME/renewal.json) with a new key. A failed \
            renewal leaves the certificate in service untouched. Exit status 0 when renewed or not due, 1 on failure.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The certificate name in the store.", valueName: "name"))
    var name: String

    @Flag(help: "Renew now, whether due or not.")
    var force = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws { _ = try Arguments.certificateName(name) }

    func run() async throws {
        try await Output.reportingErrors {
            let store = global.store()
            let outcome = try await ACMERenewal(name: name, force: force, randomFraction: Double.random(in: 0..<1))
                .run(store: store, transport: ACMEOptionGroup.transport(caBundle:), now: { Date() }) { Output.note($0) }
            switch outcome {
            case .notDue(let until, let reason):
                if json { return try Output.printJSON(RenewResult(name: name, renewed: false, reason: reason, notDueUntil: until)) }
                Output.print("'\(name)' is not due: \(reason); next check after \(Output.day(until))")
            case .renewed(let issued, let reason):
                if json {
                    return try Output.printJSON(RenewResult(name: name, renewed: true, reason: reason, version: issued.version.number))
                }
                try StoredVersionReport.print(issued.version, store: store, now: Date(), json: false)
            }
        }
    }
}

/// `renew --json`: one object per certificate.
struct RenewResult: Encodable {
    var name: String
    var renewed: Bool
    var reason: String
    var notDueUntil: Date?
    var version: Int?
}
