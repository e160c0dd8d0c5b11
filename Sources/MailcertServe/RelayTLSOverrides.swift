/// The relay TLS flags as plain values: --relay-tls (the policy), --relay-ca-bundle, --relay-hostname, --relay-cert.
public struct RelayTLSOverrides: Sendable {
    public var policy: String?
    public var caBundle: String?
    public var hostname: String?
    public var certificate: String?

    public init(policy: String? = nil, caBundle: String? = nil, hostname: String? = nil, certificate: String? = nil) {
        self.policy = policy
        self.caBundle = caBundle
        self.hostname = hostname
        self.certificate = certificate
    }
}
