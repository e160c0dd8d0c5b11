import ACME
import ArgumentParser
import Foundation
import MailcertCore

/// The options of an ACME order, shared by `request --acme` and the commands that talk to a CA.
struct ACMEOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The CA: a directory URL, letsencrypt (default) or letsencrypt-staging.", valueName: "url|name"))
    var server: String?

    @Option(help: ArgumentHelp("Extra trusted roots (PEM) for the CA's own HTTPS, e.g. a test CA.", valueName: "file"))
    var caBundle: String?

    @Option(help: ArgumentHelp("Contact address for the ACME account.", valueName: "addr"))
    var email: String?

    @Option(help: ArgumentHelp("External Account Binding key identifier, from the CA.", valueName: "id"))
    var eabKid: String?

    @Option(help: ArgumentHelp("External Account Binding HMAC key (base64url), from the CA.", valueName: "b64"))
    var eabHmacKey: String?

    func directoryURL() throws -> String {
        do { return try ACMEOptions.directoryURL(server ?? "letsencrypt") } catch let error as MailcertError {
            throw ValidationError(error.message)
        }
    }

    func externalAccountBinding() throws -> ExternalAccountBinding? {
        do { return try EABFlags.binding(kid: eabKid, hmacKey: eabHmacKey) } catch let error as MailcertError {
            throw ValidationError(error.message)
        }
    }

    /// libcurl over the system OpenSSL, trusting `--ca-bundle` besides the system roots.
    func transport() -> HTTPTransport { Self.transport(caBundle: caBundle) }

    @Sendable static func transport(caBundle: String?) -> HTTPTransport {
        CurlHTTPTransport(caBundle: caBundle, userAgent: "mailcert/\(MailcertVersion.number)")
    }

    func validate() throws {
        _ = try directoryURL()
        _ = try externalAccountBinding()
        if let caBundle, !FileManager.default.isReadableFile(atPath: caBundle) {
            throw ValidationError("--ca-bundle \(caBundle) is not a readable file")
        }
    }
}
