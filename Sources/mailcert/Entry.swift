// mailcert - certificate lifecycle manager for mail servers
//
// PURPOSE
//   Generates keys and CSRs, issues self-signed fallbacks, imports CA answers and PKCS#12 bundles, exports
//   PKCS#12, obtains certificates over ACME, and lists the certificates of a mail host. See 'mailcert --help'.
//
// SECURITY
//   Private keys are written mode 0600, atomically. Run as the user that owns the state directory; as root the
//   default store is /var/lib/mailcert.
//
// FILES
//   STATE/certs/NAME/current -> versions/N   the version in service (key.pem, cert.pem, chain.pem, fullchain.pem)
//   STATE/lock                                held by the one mailcert process allowed to write
//
// SIGNALS
//   None handled: a killed mailcert leaves the previous version in service (writes switch in one rename).
import MailcertCLI

@main
enum Entry {
    static func main() async { await Mailcert.main() }
}
