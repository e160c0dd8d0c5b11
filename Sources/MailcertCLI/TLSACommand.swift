import ArgumentParser
import Foundation
import MailcertCheck
import MailcertCore
import MailcertCrypto

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

    /// One record as scripts read it.
    struct Record: Encodable {
        let host: String
        let port: Int
        /// "current" or "next".
        let key: String
        let usage: UInt8
        let selector: UInt8
        let matchingType: UInt8
        let data: String
        let zoneLine: String
    }

    func run() throws {
        try Output.reportingErrors {
            let store = global.store()
            let subject = try LocalCheckSubject.stored(name: name, store: store)
            let hosts = subject.leaf.dnsNames.filter { !$0.hasPrefix("*") }
            for wildcard in subject.leaf.dnsNames where wildcard.hasPrefix("*") {
                Output.note("skipping \(wildcard): a TLSA record needs the MX host's own name")
            }
            guard !hosts.isEmpty else {
                throw MailcertError(.badInput, "certificate '\(name)' names no host a TLSA record can be published for")
            }
            var keys: [(label: String, comment: String, spki: [UInt8])] = [
                ("current", "current key (\(subject.leaf.keyDisplayName)), in service", try subject.leaf.publicKeyDER())
            ]
            if next {
                let (key, created) = try NextKey.ensure(name: name, store: store)
                if created { Output.note("created the next key \(store.location(of: .nextKey(name)))") }
                keys.append(
                    (
                        "next", "next key (\(key.displayName)), used by the next request or renewal",
                        try key.publicKeyDER()
                    ))
            }
            let records = keys.flatMap { key in
                hosts.map { host in
                    let record = TLSAMatcher.dane311(spki: key.spki)
                    let data = Hex.encode(record.data)
                    return Record(
                        host: host, port: port, key: key.label, usage: record.usage, selector: record.selector,
                        matchingType: record.matchingType, data: data,
                        zoneLine: "_\(port)._tcp.\(host). IN TLSA 3 1 1 \(data)")
                }
            }
            if json { return try Output.printJSON(["records": records]) }
            for key in keys {
                Output.print("; \(name): \(key.comment)")
                for record in records where record.key == key.label { Output.print(record.zoneLine) }
            }
        }
    }
}
