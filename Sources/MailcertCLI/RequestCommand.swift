import ArgumentParser
import Foundation
import MailcertCore
import MailcertCrypto

/// `mailcert request`: a key, then a self-signed certificate or a CSR.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Make a key, then a CA-signed certificate over ACME (--acme), a self-signed one (--self-signed), or a CSR (--csr-out).",
        discussion: """
            --acme obtains a certificate from an ACME CA (default Let's Encrypt) and puts it in service, \
            replacing a self-signed fallback. http-01 answers from a built-in responder on --http-address:--http-port \
            (default 0.0.0.0:80) only while the CA validates, or from files in --webroot; dns-01 runs \
            --dns-hook CMD as 'CMD add|del RECORD VALUE', or sends TSIG-signed DNS UPDATEs (--dns-update SERVER \
            --tsig-key FILE) and waits until the zone's servers answer. --profile asks for one of the CA's \
            certificate profiles (Let's Encrypt: classic, tlsserver, shortlived); renewals keep it. A failed order \
            changes nothing.

            --self-signed stores a new version of NAME and puts it in service, unless NAME already has a valid \
            CA-signed certificate in service: a fallback never replaces one (--force overrides).

            --csr-out writes a PKCS#10 request (SHA-256, every -d host as a subjectAltName, the first also as \
            the CN) and keeps its key as the pending key of NAME; when the CA answers, run \
            'mailcert import --name NAME CERT'.

            Examples:
              mailcert request -d mx1.example.com --acme --email postmaster@example.com
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

    @Flag(help: "Obtain a CA-signed certificate over ACME and put it in service.")
    var acme = false

    @OptionGroup(title: "ACME") var acmeOptions: ACMEOptionGroup

    @Option(help: ArgumentHelp("ACME challenge: http-01 (default) or dns-01.", valueName: "type"))
    var challenge: ACMEOptions.Challenge?

    @Option(help: ArgumentHelp("Port of the built-in http-01 responder (default 80).", valueName: "n"))
    var httpPort: Int?

    @Option(help: ArgumentHelp("Address of the built-in http-01 responder (default 0.0.0.0).", valueName: "addr"))
    var httpAddress: String?

    @Option(help: ArgumentHelp("Answer http-01 with files under this web server root instead.", valueName: "dir"))
    var webroot: String?

    @Option(help: ArgumentHelp("dns-01: program run as 'CMD add|del RECORD VALUE'.", valueName: "cmd"))
    var dnsHook: String?

    @Option(help: ArgumentHelp("dns-01: send DNS UPDATEs (RFC 2136) to this primary server.", valueName: "ip[:port]"))
    var dnsUpdate: String?

    @Option(help: ArgumentHelp("dns-01: the TSIG key file (BIND's tsig-keygen or Knot's keymgr).", valueName: "file"))
    var tsigKey: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "dns-01: wait until these servers answer, not the zone's NS hosts.", valueName: "ip[:port]"))
    var dnsAuthoritative: [String] = []

    @Option(help: ArgumentHelp("Prefer the chain whose top issuer has this common name.", valueName: "cn"))
    var preferredChain: String?

    @Option(help: ArgumentHelp("A certificate profile the CA offers (see 'account profiles').", valueName: "name"))
    var profile: String?

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
        var flags = RequestFlags(options: options(domains))
        (flags.acme, flags.selfSigned, flags.csrOut, flags.days) = (acme, selfSigned, csrOut != nil, days)
        (flags.reuseKey, flags.keyTypeGiven) = (reuseKey, keyType != nil)
        let given: [Any?] = [challenge, acmeOptions.server, acmeOptions.email, acmeOptions.eabKid, acmeOptions.caBundle]
        flags.otherACMEFlags = given.contains { $0 != nil }
        if let problem = flags.problem { throw ValidationError(problem) }
        guard !domains.isEmpty else { throw ValidationError("name at least one hostname with -d HOST") }
        _ = try Arguments.hostnames(domains)
        if let name { _ = try Arguments.certificateName(name) }
    }

    func run() async throws {
        try await Output.reportingErrors {
            let hostnames = try Arguments.hostnames(domains)
            let name = try name.map(Arguments.certificateName) ?? CertificateName.defaultName(forHostnames: hostnames)
            let key: KeySelection = reuseKey ? .reuse : .generate(keyType)
            let store = global.store()
            let now = Date()
            if acme {
                try await requestACME(name: name, hostnames: hostnames, key: key, store: store)
            } else if let csrOut {
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
        let (csr, keyFile) = try SigningRequest(name: name, hostnames: hostnames, key: key, force: force)
            .run(store: store, writingTo: file, now: now)
        guard let file else {
            Output.print(csr.pem)
            Output.note("the key of this CSR is the pending key of '\(name)' (\(keyFile)); import the CA's answer with 'mailcert import --name \(name) CERT'")
            return
        }
        if json { return try Output.printJSON(try Inventory.entry(name: name, store: store, now: now)) }
        Output.print(SigningRequest.written(name: name, hostnames: hostnames, file: file, keyFile: keyFile))
    }

    /// What the flags ask of the CA; the server defaults to Let's Encrypt.
    private func options(_ hostnames: [String]) -> ACMEOptions {
        ACMEOptions(
            server: acmeOptions.server ?? "letsencrypt", hostnames: hostnames, caBundle: acmeOptions.caBundle,
            email: acmeOptions.email, challenge: challenge ?? .http01, httpAddress: httpAddress, httpPort: httpPort,
            webroot: webroot, dnsHook: dnsHook, preferredChain: preferredChain, keyType: keyType?.rawValue,
            profile: profile, dnsUpdate: dnsUpdate, tsigKey: tsigKey, dnsAuthoritative: dnsAuthoritative)
    }

    private func requestACME(name: String, hostnames: [String], key: KeySelection, store: FileCertificateStore) async throws {
        let started = ContinuousClock.now
        let outcome = try await ACMEIssuance(
            name: name, options: options(hostnames), key: key, eab: try acmeOptions.externalAccountBinding()
        ).run(store: store, transport: acmeOptions.transport(), now: { Date() }) { Output.note($0) }
        let elapsed = ContinuousClock.now - started
        Output.note("issued in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow))) with \(outcome.requests) requests")
        try StoredVersionReport.print(outcome.version, store: store, now: Date(), json: json)
    }
}
