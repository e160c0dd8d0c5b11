// mailcert - certificate lifecycle manager for mail servers
//
// PURPOSE
//   Generates keys and CSRs, issues self-signed fallbacks, imports CA answers and PKCS#12 bundles, exports
//   PKCS#12, obtains certificates over ACME, checks what servers serve, lists the certificates of a mail host,
//   and runs the bundled STARTTLS SMTP listener ('mailcert serve'). See 'mailcert --help'.
//
// SECURITY
//   Private keys are written mode 0600, atomically. Run as the user that owns the state directory; as root the
//   default store is /var/lib/mailcert. 'serve' started as root binds its ports and loads its keys, then switches
//   every thread to --user and checks that none stayed root; it never reads ACME account keys.
//
// FILES
//   STATE/certs/NAME/current -> versions/N   the version in service (key.pem, cert.pem, chain.pem, fullchain.pem)
//   STATE/lock                                held by the one mailcert process allowed to write
//
// SIGNALS
//   Commands handle none: a killed mailcert leaves the previous version in service (writes switch in one rename).
//   'serve': SIGHUP reloads the certificates; SIGTERM and SIGINT stop accepting and let sessions finish.
import MailcertCLI

@main
enum Entry {
    /// Synchronous on purpose: with `async main` the main thread parks in dispatch_main (pthread_exit), where glibc's
    /// setuid broadcast does not reach it, and `serve --user` would leave that thread running as root.
    static func main() { Mailcert.runBlocking() }
}
