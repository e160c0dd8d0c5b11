import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert import`: a CA's answer to a pending CSR, or a PKCS#12 bundle.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Install a CA's answer to a pending CSR, or a PKCS#12 bundle, as a new version of NAME.",
        discussion: """
            CERT may be PEM (the certificate alone, or with its chain, in any order) or DER. Its public key must be \
            the pending key made by 'mailcert request --csr-out'; otherwise nothing is changed and both key \
            fingerprints are shown. The chain (from CERT and --chain) is stored leaf first.

            --pkcs12 FILE imports a key with its certificate and chain (a .pfx exported from Windows or Exchange); \
            the password is the first line of --password-file (none: empty password).

            Examples:
              mailcert import --name mx1.example.com mx1.crt --chain intermediate.pem
              mailcert import --name mx1.example.com --pkcs12 mx1.pfx --password-file pass.txt
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The certificate name in the store.", valueName: "name"))
    var name: String

    @Argument(help: ArgumentHelp("The CA's certificate file (PEM or DER).", valueName: "cert"))
    var certificate: String?

    @Option(help: ArgumentHelp("Intermediate certificates, if CERT does not carry them.", valueName: "file"))
    var chain: String?

    @Option(help: ArgumentHelp("Import a PKCS#12 (.pfx/.p12) bundle instead.", valueName: "file"))
    var pkcs12: String?

    @Option(help: ArgumentHelp("A file whose first line is the PKCS#12 password.", valueName: "file"))
    var passwordFile: String?

    @Flag(help: "Print the stored certificate as JSON.")
    var json = false

    func validate() throws {
        _ = try Arguments.certificateName(name)
        switch (certificate, pkcs12) {
        case (nil, nil): throw ValidationError("name the CA's certificate file (CERT) or a --pkcs12 FILE")
        case (.some, .some): throw ValidationError("give either CERT or --pkcs12 FILE, not both")
        case (.some, nil): if passwordFile != nil { throw ValidationError("--password-file goes with --pkcs12") }
        case (nil, .some): if chain != nil { throw ValidationError("--chain goes with CERT, not --pkcs12") }
        }
    }

    func run() throws {
        try Output.reportingErrors {
            let store = global.store()
            let now = Date()
            let outcome: ImportOutcome
            if let pkcs12 {
                let password = try UserFile.password(passwordFile.map { URL(fileURLWithPath: $0) }) ?? ""
                outcome = try PKCS12Import(name: name, file: URL(fileURLWithPath: pkcs12), password: password)
                    .run(store: store, now: now)
            } else {
                outcome = try CertificateImport(
                    name: name, certificateFile: URL(fileURLWithPath: certificate!),
                    chainFile: chain.map { URL(fileURLWithPath: $0) }
                ).run(store: store, now: now)
            }
            for warning in outcome.warnings { Output.warn(warning) }
            try StoredVersionReport.print(outcome.version, store: store, now: now, json: json)
        }
    }
}
