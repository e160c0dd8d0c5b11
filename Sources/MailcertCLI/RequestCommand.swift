import ArgumentParser
import Foundation
import MailcertCore
import MailcertCrypto

/// `mailcert request`: a key, then a self-signed certificate or a CSR.
struct RequestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Make a key, then a self-signed certificate (--self-signed) or a CSR for a CA (--csr-out).",
        discussion: """
            --self-signed stores a new version of NAME and puts it in service, unless NAME already has a valid \
            CA-signed certificate in service: a fallback never replaces one (--force overrides).

            --csr-out writes a PKCS#10 request (SHA-256, every -d host as a subjectAltName, the first also as \
            the CN) and keeps its key as the pending key of NAME; when the CA answers, run \
            'mailcert import --name NAME CERT'.

            Examples:
              mailcert request -d mx1.example.com --self-signed
              mailcert request -d mx1.example.com -d mx2.example.com --csr-out mx1.csr
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(
        name: [.customShort("d"), .customLong("domain")],
        help: ArgumentHelp("A hostname to certify (repeat for more; the first is the CN).", valueName: "host"))
    var domains: [String] = []

    @Option(help: ArgumentHelp("The certificate name in the store. Default: the first hostname.", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("The key algorithm (default: ecdsa-p256).", valueName: "type"))
    var keyType: KeyType?

    @Flag(help: "Use the key already in use (pending key for --csr-out, else the current version's) instead of a new one.")
    var reuseKey = false

    @Flag(help: "Issue a self-signed certificate and put it in service.")
    var selfSigned = false

    @Option(help: ArgumentHelp("Lifetime of a self-signed certificate, 1-3650 days.", valueName: "n"))
    var days: Int?

    @Option(help: ArgumentHelp("Write a CSR to this file ('-' for stdout) and keep its key pending.", valueName: "file"))
    var csrOut: String?

    @Flag(help: "Replace a valid CA-signed certificate with a self-signed one, or set a pending CSR's key aside.")
    var force = false

    @Flag(help: "Print the stored certificate as JSON.")
    var json = false

    func validate() throws {
        guard selfSigned != (csrOut != nil) else {
            throw ValidationError("choose one of --self-signed or --csr-out FILE")
        }
        guard !domains.isEmpty else { throw ValidationError("name at least one hostname with -d HOST") }
        _ = try Arguments.hostnames(domains)
        if let name { _ = try Arguments.certificateName(name) }
        if let days {
            guard selfSigned else { throw ValidationError("--days applies only to --self-signed") }
            guard (1...3650).contains(days) else { throw ValidationError("--days must be between 1 and 3650, not \(days)") }
        }
        if reuseKey, keyType != nil { throw ValidationError("--key-type and --reuse-key exclude each other") }
    }

    func run() throws {
        try Output.reportingErrors {
            let hostnames = try Arguments.hostnames(domains)
            let name = try name.map(Arguments.certificateName) ?? CertificateName.defaultName(forHostnames: hostnames)
            let key: KeySelection = reuseKey ? .reuse : .generate(keyType ?? .default)
            let store = global.store()
            let now = Date()
            if let csrOut {
                try requestCSR(name: name, hostnames: hostnames, key: key, to: csrOut, store: store, now: now)
            } else {
                let version = try SelfSignedIssuance(
                    name: name, hostnames: hostnames, key: key, days: days ?? 365, force: force
                ).run(store: store, now: now)
                try StoredVersionReport.print(version, store: store, now: now, json: json)
            }
        }
    }

    private func requestCSR(
        name: String, hostnames: [String], key: KeySelection, to path: String, store: FileCertificateStore, now: Date
    ) throws {
        let file = path == "-" ? nil : URL(fileURLWithPath: path)
        if let file {
            var isDirectory: ObjCBool = false
            let parent = file.deletingLastPathComponent()
            guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw MailcertError(.io, "cannot write the CSR to \(file.path): \(parent.path) is not a directory; nothing was changed")
            }
        }
        let csr = try SigningRequest(name: name, hostnames: hostnames, key: key, force: force)
            .run(store: store, csrFile: file?.path, now: now)
        let keyFile = store.paths.pending(name).appendingPathComponent("key.pem").path
        guard let file else {
            Output.print(csr.pem)
            Output.note("the key of this CSR is the pending key of '\(name)' (\(keyFile)); import the CA's answer with 'mailcert import --name \(name) CERT'")
            return
        }
        do { try POSIXFile.writeAtomically(Array(csr.pem.utf8), to: file, mode: 0o644) } catch let error as MailcertError {
            throw MailcertError(
                error.code, "\(error.message); the pending key of '\(name)' is kept (\(keyFile)): run this command again with --reuse-key to write its CSR")
        }
        if json {
            try Output.printJSON(try Inventory.entry(name: name, store: store, now: now))
        } else {
            Output.print("""
                wrote CSR for \(hostnames.joined(separator: ", ")) to \(file.path)
                pending key of '\(name)': \(keyFile)
                next: send the CSR to your CA, then run 'mailcert import --name \(name) CERT'
                """)
        }
    }
}
