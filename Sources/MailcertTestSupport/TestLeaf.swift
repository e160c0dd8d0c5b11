import Foundation

/// What a test wants in a server certificate: names, key, signature digest, EKU, dates. Minted by `TestCA.issue`
/// with the openssl command, so the checks under test are judged against certificates they did not make.
public struct LeafSpec: Sendable {
    public var commonName: String
    /// subjectAltName dNSName entries; empty means no subjectAltName at all.
    public var dnsNames: [String]
    /// An `openssl req -newkey` argument: "ec", "rsa:2048", "rsa:1024".
    public var key: String
    /// The signature digest: "sha256", "sha1".
    public var digest: String
    /// The extendedKeyUsage value ("serverAuth", "serverAuth,clientAuth"); empty for no extension at all.
    public var extendedKeyUsage: String
    /// YYYYMMDDHHMMSSZ, or nil for now.
    public var notBefore: String?
    /// YYYYMMDDHHMMSSZ, or nil for 90 days.
    public var notAfter: String?

    public init(
        _ names: [String], commonName: String? = nil, key: String = "ec", digest: String = "sha256",
        extendedKeyUsage: String = "serverAuth", notBefore: String? = nil, notAfter: String? = nil
    ) {
        self.dnsNames = names
        self.commonName = commonName ?? names.first ?? "leaf"
        self.key = key
        self.digest = digest
        self.extendedKeyUsage = extendedKeyUsage
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
}

/// A minted leaf: files in the CA's directory.
public struct MintedLeaf: Sendable {
    public let keyPath: String
    public let certificatePath: String
    /// The leaf then the intermediate: what a correct server sends.
    public let fullchainPath: String
    public let certificatePEM: String
}

extension TestCA {
    /// A leaf from the intermediate, as `spec` says.
    public func issue(_ spec: LeafSpec) throws -> MintedLeaf {
        let dir = directory.url.path
        let id = UUID().uuidString
        let keyArguments = spec.key == "ec" ? ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : [spec.key]
        var request =
            ["req", "-new", "-newkey"] + keyArguments + [
                "-nodes", "-keyout", "\(dir)/\(id).key", "-out", "\(dir)/\(id).csr", "-subj", "/CN=\(spec.commonName)",
            ]
        if !spec.dnsNames.isEmpty {
            request += ["-addext", "subjectAltName=" + spec.dnsNames.map { "DNS:\($0)" }.joined(separator: ",")]
        }
        try Subprocess.openssl(request)
        let config = try caConfig(id: id, digest: spec.digest, extendedKeyUsage: spec.extendedKeyUsage)
        var sign = [
            "ca", "-batch", "-config", config, "-in", "\(dir)/\(id).csr", "-out", "\(dir)/\(id).pem",
            "-notext",
        ]
        if let notBefore = spec.notBefore { sign += ["-startdate", notBefore] }
        if let notAfter = spec.notAfter { sign += ["-enddate", notAfter] }
        try Subprocess.openssl(sign)
        let pem = try directory.read("\(id).pem")
        try directory.write("\(id).fullchain.pem", pem + intermediatePEM)
        return MintedLeaf(
            keyPath: "\(dir)/\(id).key", certificatePath: "\(dir)/\(id).pem",
            fullchainPath: "\(dir)/\(id).fullchain.pem", certificatePEM: pem)
    }

    /// An `openssl ca` configuration signing with the intermediate, with a database of its own so parallel tests
    /// never share one. Returns its path.
    func caConfig(id: String, digest: String = "sha256", extendedKeyUsage: String = "serverAuth") throws -> String {
        let dir = directory.url.path
        try directory.write("\(id).index", "")
        return try directory.write(
            "\(id).cnf",
            """
            [ca]
            default_ca = test
            [test]
            database = \(dir)/\(id).index
            new_certs_dir = \(dir)
            certificate = \(dir)/intermediate.pem
            private_key = \(dir)/intermediate.key
            default_md = \(digest)
            default_days = 90
            policy = anything
            copy_extensions = copy
            unique_subject = no
            rand_serial = yes
            x509_extensions = leaf
            [anything]
            commonName = optional
            [leaf]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature,keyEncipherment
            \(extendedKeyUsage.isEmpty ? "" : "extendedKeyUsage = \(extendedKeyUsage)")
            """)
    }

    /// A self-signed certificate for `names`, not from this CA.
    public func selfSigned(_ names: [String]) throws -> MintedLeaf {
        let dir = directory.url.path
        let id = UUID().uuidString
        try Subprocess.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "\(dir)/\(id).key", "-out", "\(dir)/\(id).pem", "-subj", "/CN=\(names[0])", "-days", "90",
            "-addext", "subjectAltName=" + names.map { "DNS:\($0)" }.joined(separator: ","),
        ])
        let pem = try directory.read("\(id).pem")
        return MintedLeaf(
            keyPath: "\(dir)/\(id).key", certificatePath: "\(dir)/\(id).pem", fullchainPath: "\(dir)/\(id).pem",
            certificatePEM: pem)
    }

    /// The root certificate's file, for `--ca-bundle` and `openssl -CAfile`.
    public var rootPath: String { directory.path("root.pem") }
}
