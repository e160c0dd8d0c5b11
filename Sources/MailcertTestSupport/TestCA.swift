import Foundation

/// A throwaway certificate authority made with the `openssl` command: root -> intermediate -> leaf, as public CAs
/// issue. Independent of the code under test, so it can judge it.
public final class TestCA: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public var rootPEM: String { (try? directory.read("root.pem")) ?? "" }
    public var intermediatePEM: String { (try? directory.read("intermediate.pem")) ?? "" }

    /// Makes a root and an intermediate (RSA 2048, so the test is quick but realistic).
    public init(name: String = "Mailcert Test") throws {
        directory = try TemporaryDirectory("mailcert-ca")
        let dir = directory.url.path
        try directory.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n")
        try Subprocess.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/root.key", "-out", "\(dir)/root.pem",
            "-subj", "/O=\(name)/CN=\(name) Root", "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try Subprocess.openssl([
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/intermediate.key",
            "-out", "\(dir)/intermediate.csr", "-subj", "/O=\(name)/CN=\(name) Intermediate",
        ])
        try Subprocess.openssl([
            "x509", "-req", "-in", "\(dir)/intermediate.csr", "-CA", "\(dir)/root.pem", "-CAkey", "\(dir)/root.key",
            "-set_serial", "2", "-days", "3650", "-extfile", "\(dir)/ca.ext", "-out", "\(dir)/intermediate.pem",
        ])
    }

    /// Signs `csrPEM` with the intermediate, copying its SAN, valid from `notBefore` (YYYYMMDDHHMMSSZ) to `notAfter`.
    /// Returns the leaf PEM.
    public func sign(csrPEM: String, notBefore: String? = nil, notAfter: String? = nil, days: Int = 90) throws -> String {
        let dir = directory.url.path
        let id = UUID().uuidString
        try directory.write("\(id).csr", csrPEM)
        try directory.write("leaf.ext", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
        if notBefore != nil || notAfter != nil {
            // openssl 3.0's x509 subcommand takes no explicit dates; the ca subcommand does.
            return try signWithDates(csr: "\(dir)/\(id).csr", id: id, notBefore: notBefore, notAfter: notAfter)
        }
        var arguments = [
            "x509", "-req", "-in", "\(dir)/\(id).csr", "-CA", "\(dir)/intermediate.pem", "-CAkey", "\(dir)/intermediate.key",
            "-set_serial", String(Int.random(in: 1000...1_000_000)), "-copy_extensions", "copy",
            "-extfile", "\(dir)/leaf.ext", "-out", "\(dir)/\(id).pem",
        ]
        arguments += ["-days", String(days)]
        try Subprocess.openssl(arguments)
        return try directory.read("\(id).pem")
    }

    /// Makes a key and certificate that mailcert never saw (for mismatch tests). Returns (keyPEM, certPEM).
    public func issueForeign(hostname: String) throws -> (key: String, certificate: String) {
        let dir = directory.url.path
        let id = UUID().uuidString
        try Subprocess.openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(dir)/\(id).key",
            "-out", "\(dir)/\(id).csr", "-subj", "/CN=\(hostname)", "-addext", "subjectAltName=DNS:\(hostname)",
        ])
        let certificate = try sign(csrPEM: try directory.read("\(id).csr"))
        return (try directory.read("\(id).key"), certificate)
    }

    private func signWithDates(csr: String, id: String, notBefore: String?, notAfter: String?) throws -> String {
        let dir = directory.url.path
        let config = try caConfig(id: id)
        var arguments = ["ca", "-batch", "-config", config, "-in", csr, "-out", "\(dir)/\(id).pem", "-notext"]
        if let notBefore { arguments += ["-startdate", notBefore] }
        if let notAfter { arguments += ["-enddate", notAfter] }
        try Subprocess.openssl(arguments)
        return try directory.read("\(id).pem")
    }
}
