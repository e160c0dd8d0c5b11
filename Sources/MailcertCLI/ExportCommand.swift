import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert export`: the current version as a PKCS#12 bundle.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the key and chain of NAME's current version as a PKCS#12 bundle.",
        discussion: """
            The bundle uses AES-256-CBC with PBKDF2 and a SHA-256 MAC (Windows Server 2019+, OpenSSL 1.1.1+) and is \
            written with mode 0600. The password is the first line of --password-file; without one the bundle has \
            an empty password, and a warning says so. An existing FILE is kept unless --force.

            Example:
              mailcert export --name mx1.example.com --pkcs12 mx1.pfx --password-file pass.txt
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The certificate name in the store.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The PKCS#12 file to write.", valueName: "file"))
    var pkcs12: String

    @Option(help: ArgumentHelp("A file whose first line is the password.", valueName: "file"))
    var passwordFile: String?

    @Flag(help: "Overwrite FILE if it exists.")
    var force = false

    func validate() throws { _ = try Arguments.certificateName(name) }

    func run() throws {
        try Output.reportingErrors {
            let password = try UserFile.password(passwordFile.map { URL(fileURLWithPath: $0) })
            let file = URL(fileURLWithPath: pkcs12)
            let version = try PKCS12Export(name: name, file: file, password: password ?? "", force: force)
                .run(store: global.store())
            if password == nil || password == "" {
                Output.warn("\(file.path) holds a private key under an empty password; keep it safe or use --password-file")
            }
            Output.print("exported '\(name)' version \(version.number) (key, certificate, \(try version.chain().count) chain certificate(s)) to \(file.path)")
        }
    }
}
