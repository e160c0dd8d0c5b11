import ArgumentParser
import Foundation
import MailcertCore
import MailcertServe

/// `serve`'s flags for securing the connection to the --relay upstream; each has a config key (relay_tls, ...).
struct RelayTLSOptions: ParsableArguments {
    @Option(
        name: .customLong("relay-tls"),
        help: ArgumentHelp(
            "How to secure the connection to --relay: none, may (STARTTLS when offered; default), encrypt "
                + "(STARTTLS or no relaying), verify (encrypt, and the certificate must pass mailcert check).",
            valueName: "policy"))
    var relayTLS: String?

    @Option(
        name: .customLong("relay-ca-bundle"),
        help: ArgumentHelp("With --relay-tls verify: PEM roots to trust besides the system's.", valueName: "file"))
    var relayCABundle: String?

    @Option(
        name: .customLong("relay-hostname"),
        help: ArgumentHelp(
            "With --relay-tls verify: the name the upstream's certificate must cover (default: the --relay host).",
            valueName: "name"))
    var relayHostname: String?

    @Option(
        name: .customLong("relay-cert"),
        help: ArgumentHelp(
            "A stored certificate to present to --relay as the TLS client certificate.", valueName: "name"))
    var relayCert: String?

    var overrides: RelayTLSOverrides {
        RelayTLSOverrides(policy: relayTLS, caBundle: relayCABundle, hostname: relayHostname, certificate: relayCert)
    }

    func validate() throws {
        do {
            if let relayTLS { _ = try RelayTLSSettings.policyName(relayTLS, setting: "--relay-tls") }
            if let relayCABundle, !FileManager.default.isReadableFile(atPath: relayCABundle) {
                throw ValidationError("--relay-ca-bundle \(relayCABundle) is not a readable file")
            }
            if let relayHostname { _ = try RelayTLSSettings.verifiedName(relayHostname, setting: "--relay-hostname") }
            if let relayCert {
                do { _ = try CertificateName.validate(relayCert) } catch let error as MailcertError {
                    throw ValidationError("--relay-cert: \(error.message)")
                }
            }
        } catch let error as ServeUsageError {
            throw ValidationError(error.message)
        }
    }
}
