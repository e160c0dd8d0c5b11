import Foundation

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
            options.profile,
        ]
        return otherACMEFlags || given.contains { $0 != nil }
    }

    private var acmeProblem: String? {
        if options.challenge == .dns01, options.dnsHook == nil { return "--challenge dns-01 needs --dns-hook CMD" }
        if options.dnsHook != nil, options.challenge != .dns01 { return "--dns-hook goes with --challenge dns-01" }
        if options.webroot != nil, options.httpPort != nil || options.httpAddress != nil {
            return "--webroot uses your web server; --http-port/--http-address are for the built-in responder"
        }
        if let httpPort = options.httpPort, !(1...65535).contains(httpPort) { return "--http-port must be 1-65535" }
        if let hook = options.dnsHook, !FileManager.default.isExecutableFile(atPath: hook) {
            return "--dns-hook \(hook) is not an executable file"
        }
        if options.profile?.isEmpty == true { return "--profile needs the name of one of the CA's profiles" }
        return nil
    }
}
