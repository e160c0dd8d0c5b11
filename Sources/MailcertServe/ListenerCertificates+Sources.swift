import MailcertCore
import SMTPServer

extension ListenerCertificates {
    /// In the listener's terms.
    var sources: [CertificateSource] {
        current().map {
            CertificateSource(
                name: $0.name, chainFile: $0.files.fullchain, keyFile: $0.files.key,
                watchedDirectories: $0.files.watched)
        }
    }
}
