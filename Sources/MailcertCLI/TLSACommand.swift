import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert tlsa`: the DANE records to publish for a certificate's key, and for the key that will follow it.
struct TLSACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsa",
        abstract: "Print DANE TLSA 3 1 1 records for a certificate's key (and, with --next, its next key).",
        discussion: """
            Prints one zone-file line per hostname of the certificate in service: \
            _PORT._tcp.HOST. IN TLSA 3 1 1 <SHA-256 of the SubjectPublicKeyInfo> (DANE-EE, RFC 7672). Wildcard \
            names are skipped: an MX host has a name of its own.

            --next also prints the records of the next key (STATE/certs/NAME/next-key.pem), creating it once with \
            the current key type. Publish both sets, wait at least two TTLs, and the next request or renewal of the \
            same key type puts that key in service, so senders always find a record for the key they see. After \
            the switch, remove the old record.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The certificate.", valueName: "name"))
    var name: String

    @Flag(help: "Also print the records of the next key, creating it if there is none.")
    var next = false

    @Option(help: ArgumentHelp("The TCP port the records are for.", valueName: "port"))
    var port = 25

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func validate() throws {
        _ = try Arguments.certificateName(name)
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() throws {
        try Output.reportingErrors {
            let result = try TLSARecords(name: name, port: port, next: next).run(store: global.store(), progress: .stderr)
            if json { return try Output.printJSON(["records": result.records]) }
            for key in result.keys {
                Output.print("; \(name): \(key.comment)")
                for record in result.records where record.key == key.label { Output.print(record.zoneLine) }
            }
        }
    }
}
