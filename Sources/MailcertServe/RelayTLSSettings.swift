import Foundation
import MailcertCore
import MailcertCrypto
import SMTPServer

/// The relay's TLS settings: the relay TLS flags (`RelayTLSOverrides`) over the config file's relay_* keys (a flag
/// wins over its key), checked together, and turned into a `RelaySink` at start.
public struct RelayTLSSettings: Equatable {
    var policy: RelayTLSPolicy = .may
    /// --relay-cert: the stored certificate presented as the client certificate, with its files.
    var clientCertificate: CertificateSource?

    init() {}

    /// Errors name the flag or the config key the value came from, and say that nothing was started.
    init(overrides: RelayTLSOverrides, file: ServeConfigFile?, relaying: Bool, store: FileCertificateStore) throws {
        do {
            try merge(flags: overrides, file: file, relaying: relaying, store: store)
        } catch let error as ServeUsageError {
            throw MailcertError(.badInput, "\(error.message); nothing was started")
        }
    }

    private mutating func merge(
        flags: RelayTLSOverrides, file: ServeConfigFile?, relaying: Bool, store: FileCertificateStore
    ) throws {
        let policyText = Setting(flags.policy, "--relay-tls", file?.relayTLS, "relay_tls")
        let caBundle = Setting(flags.caBundle, "--relay-ca-bundle", file?.relayCABundle, "relay_ca_bundle")
        let hostname = Setting(flags.hostname, "--relay-hostname", file?.relayHostname, "relay_hostname")
        let certificate = Setting(flags.certificate, "--relay-cert", file?.relayCert, "relay_cert")
        let given = [policyText, caBundle, hostname, certificate].filter { $0.value != nil }
        guard relaying || given.isEmpty else {
            let names = given.map(\.name).joined(separator: ", ")
            throw Self.invalid(
                "\(names) \(given.count == 1 ? "applies" : "apply") only to a relay destination (--relay or relay)")
        }
        let name = try policyText.value.map { try Self.policyName($0, setting: policyText.name) } ?? "may"
        if certificate.value != nil && name == "none" {
            throw Self.invalid("\(certificate.name) needs TLS, and \(policyText.name) none never starts it")
        }
        for setting in [caBundle, hostname] where setting.value != nil && name != "verify" {
            throw Self.invalid(
                "\(setting.name) only applies with --relay-tls verify (\(policyText.name) is \(name)): "
                    + "nothing would check the upstream's certificate")
        }
        switch name {
        case "none": policy = .none
        case "encrypt": policy = .encrypt
        case "verify":
            if let path = caBundle.value { try Self.checkBundle(path, setting: caBundle.name) }
            policy = .verify(
                caBundle: caBundle.value.map { URL(fileURLWithPath: $0) },
                hostname: try hostname.value.map { try Self.verifiedName($0, setting: hostname.name) })
        default: policy = .may
        }
        clientCertificate = try certificate.value.map { try Self.source($0, setting: certificate.name, store: store) }
    }

    /// The relay to `host:port` under these settings. Reads the CA bundle and the client certificate's files now,
    /// before the listener drops privileges: the key may be readable by root only.
    func sink(host: String, port: Int, heloName: String) throws -> RelaySink {
        let identity = try clientCertificate.map {
            try ServerIdentity.load(label: $0.name, chain: $0.chainFile, key: $0.keyFile)
        }
        do {
            return try RelaySink(host: host, port: port, heloName: heloName, tls: policy, clientIdentity: identity)
        } catch let error as CryptoError {
            throw MailcertError(.badInput, "the relay's TLS setup failed: \(error); nothing was started")
        }
    }

    /// One setting as a flag or a config key: the flag's value when given, else the key's, and the name of
    /// whichever it was, for messages.
    private struct Setting {
        let value: String?
        let name: String

        init(_ flag: String?, _ flagName: String, _ key: String?, _ keyName: String) {
            value = flag ?? key
            name = flag == nil && key != nil ? "\(keyName) (in --config)" : flagName
        }
    }

    static let policyNames = ["none", "may", "encrypt", "verify"]

    public static func policyName(_ text: String, setting: String) throws -> String {
        guard policyNames.contains(text) else {
            throw invalid("\(setting) must be one of \(policyNames.joined(separator: ", ")) (got \"\(text)\")")
        }
        return text
    }

    /// A DNS name (no wildcard: it names one host) or an IP address the upstream's certificate must cover.
    public static func verifiedName(_ text: String, setting: String) throws -> String {
        if IPAddressText.parse(text) != nil { return text }
        do {
            let name = try Hostname.validate(text)
            guard !name.hasPrefix("*.") else { throw invalid("\(setting) names one host; \(text) is a wildcard") }
            return name
        } catch let error as MailcertError where error.code == .invalidHostname {
            throw invalid("\(setting): \(error.message)")
        }
    }

    /// A readable file of PEM certificates; the sink reads it again at start.
    private static func checkBundle(_ path: String, setting: String) throws {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw invalid("\(setting) \(path) is not a readable file")
        }
        let certificates: [Certificate]
        do { certificates = try Certificate.parseAll(Array(bytes)) } catch {
            throw invalid("\(setting) \(path) holds no readable certificate: \(error)")
        }
        guard !certificates.isEmpty else { throw invalid("\(setting) \(path) holds no PEM certificate") }
    }

    /// The stored certificate `name`: its current fullchain.pem and key.pem.
    private static func source(_ name: String, setting: String, store: FileCertificateStore) throws
        -> CertificateSource
    {
        do { _ = try CertificateName.validate(name) } catch let error as MailcertError {
            throw invalid("\(setting): \(error.message)")
        }
        guard try store.names().contains(name) else {
            throw MailcertError(
                .notFound,
                "\(setting): no certificate named '\(name)' in \(store.location(of: .certificates)) "
                    + "(see 'mailcert list'); nothing was started")
        }
        try requireClientAuth(name, setting: setting, store: store)
        let files = store.servedFiles(of: name)
        return CertificateSource(
            name: name, chainFile: files.fullchain, keyFile: files.key, watchedDirectories: files.watched)
    }

    /// The upstream checks a client certificate's extendedKeyUsage: one without clientAuth fails its handshake on
    /// every message, so it is refused at start instead, with the way out.
    private static func requireClientAuth(_ name: String, setting: String, store: FileCertificateStore) throws {
        guard let version = try store.currentVersion(of: name) else { return }
        guard try !version.certificate().allowsClientAuth else { return }
        throw MailcertError(
            .badInput,
            "\(setting): certificate '\(name)' is serverAuth only (its extendedKeyUsage lacks clientAuth), so an "
                + "upstream that checks it refuses it as a TLS client certificate; public CAs issue serverAuth-only "
                + "certificates since 2026. Give a client certificate from a private CA (imported under its own "
                + "name), or drop \(setting); nothing was started")
    }

    /// A usage error: the CLI's `validate()` reports it as one; at start (where the config file is known) it becomes a
    /// `MailcertError`.
    private static func invalid(_ message: String) -> ServeUsageError { ServeUsageError(message) }
}
