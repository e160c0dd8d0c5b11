import Foundation
import MailcertCrypto

/// Postfix's SMTP client presents `smtp_tls_cert_file` or `smtp_tls_chain_files` to servers that ask. Since
/// February 2026 Let's Encrypt certificates carry serverAuth only, so a server certificate mailcert manages, reused
/// there, may be refused by such a server: worth a warning, not a failed deploy.
enum PostfixClientCertificate {
    static let parameters = ["smtp_tls_chain_files", "smtp_tls_cert_file"]

    /// One line for each client-side file below `managed` whose certificate lacks clientAuth.
    static func warnings(mainCF: PostfixMainCF, managed: [URL]) -> [String] {
        let prefixes = managed.map { $0.standardizedFileURL.path + "/" }
        return parameters.flatMap { parameter -> [String] in
            let value = (try? mainCF.value(of: parameter)) ?? ""
            let paths = value.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
            return paths.filter { path in prefixes.contains { path.hasPrefix($0) } }.compactMap { path in
                guard let bytes = try? POSIXFile.read(URL(fileURLWithPath: path)),
                    let leaf = (try? Certificate.parseAll(bytes))?.first, !leaf.allowsClientAuth
                else { return nil }
                return "postfix: \(parameter) names \(path), a certificate mailcert manages whose "
                    + "extendedKeyUsage lacks clientAuth (Let's Encrypt's have none since February 2026): servers "
                    + "that ask for a client certificate may refuse it; set \(parameter) to a client certificate "
                    + "from a private CA, or to none"
            }
        }
    }
}
