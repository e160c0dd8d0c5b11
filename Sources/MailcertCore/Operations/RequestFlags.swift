import Foundation
import MailcertDNS

/// `mailcert request`'s flags judged together, so the CLI only turns the answer into a usage error.
public struct RequestFlags: Sendable {
    public var acme = false
    public var selfSigned = false
    public var csrOut = false
    /// The ACME options the flags ask for.
    public var options: ACMEOptions
    /// An ACME flag given that `options` does not show (--challenge, --server, --email, --eab-kid, --ca-bundle).
    public var otherACMEFlags = false
    public var days: Int?
    public var reuseKey = false
    public var keyTypeGiven = false

    public init(options: ACMEOptions) { self.options = options }

    /// Why the flags do not go together, or nil.
    public var problem: String? {
        guard [acme, selfSigned, csrOut].filter({ $0 }).count == 1 else {
            return "choose one of --acme, --self-signed or --csr-out FILE"
        }
        if let problem = acme ? acmeProblem : (acmeFlagsGiven ? "ACME options need --acme" : nil) { return problem }
        if let days {
            guard selfSigned else { return "--days applies only to --self-signed" }
            guard (1...3650).contains(days) else { return "--days must be between 1 and 3650, not \(days)" }
        }
        return reuseKey && keyTypeGiven ? "--key-type and --reuse-key exclude each other" : nil
    }

    private var acmeFlagsGiven: Bool {
        let given: [Any?] = [
            options.httpPort, options.httpAddress, options.webroot, options.dnsHook, options.preferredChain,
            options.profile, options.dnsUpdate, options.tsigKey, options.dnsAuthoritative,
        ]
        return otherACMEFlags || given.contains { $0 != nil }
    }

    private var acmeProblem: String? {
        if let problem = dnsProblem { return problem }
        if options.webroot != nil, options.httpPort != nil || options.httpAddress != nil {
            return "--webroot uses your web server; --http-port/--http-address are for the built-in responder"
        }
        if let httpPort = options.httpPort, !(1...65535).contains(httpPort) { return "--http-port must be 1-65535" }
        if options.profile?.isEmpty == true { return "--profile needs the name of one of the CA's profiles" }
        return nil
    }

    /// dns-01 is answered by a hook or by DNS UPDATE, never both; the key file is read now, so a typo fails before
    /// the CA is contacted.
    private var dnsProblem: String? {
        let update = options.dnsUpdate != nil || options.tsigKey != nil || options.dnsAuthoritative != nil
        if options.challenge == .dns01, options.dnsHook == nil, !update {
            return "--challenge dns-01 needs --dns-hook CMD, or --dns-update SERVER and --tsig-key FILE"
        }
        if options.dnsHook != nil, options.challenge != .dns01 { return "--dns-hook goes with --challenge dns-01" }
        if update, options.challenge != .dns01 { return "--dns-update goes with --challenge dns-01" }
        if options.dnsHook != nil, update { return "--dns-hook and --dns-update exclude each other" }
        if let hook = options.dnsHook, !FileManager.default.isExecutableFile(atPath: hook) {
            return "--dns-hook \(hook) is not an executable file"
        }
        guard update else { return nil }
        guard let server = options.dnsUpdate, let keyFile = options.tsigKey else {
            return "--dns-update SERVER and --tsig-key FILE go together (--dns-authoritative needs them)"
        }
        var flag = "--dns-update"
        do {
            _ = try DNSServerAddress(parsing: server)
            flag = "--dns-authoritative"
            for address in options.dnsAuthoritative ?? [] { _ = try DNSServerAddress(parsing: address) }
            flag = "--tsig-key"
            _ = try TSIGKey.load(keyFile)
        } catch {
            return "\(flag): \(error)"
        }
        return nil
    }
}
