import ArgumentParser
import MailcertCrypto

/// The root command: `mailcert <subcommand>`.
public struct Mailcert: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mailcert",
        abstract: "Own a mail host's TLS certificates: keys, CSRs, ACME, self-signed fallbacks, imports, inventory.",
        discussion: """
            Certificates live in a versioned store (--state-dir, before or after the command; env MAILCERT_STATE_DIR; default /var/lib/mailcert \
            for root, else $XDG_STATE_HOME/mailcert). Each certificate name has numbered versions; \
            STATE/certs/NAME/current/ always points at the one in service, so daemons can read \
            current/fullchain.pem and current/key.pem from a path that never changes.

            Exit status: 0 success, 1 failure, 64 usage error; 'check' uses monitoring-plugin codes (0 OK, \
            1 WARNING, 2 CRITICAL, 3 UNKNOWN).
            """,
        version: "mailcert \(MailcertVersion.number) (\(OpenSSLVersion.text))",
        subcommands: [
            RequestCommand.self, ImportCommand.self, ExportCommand.self, ListCommand.self, RenewCommand.self,
            RevokeCommand.self, AccountCommand.self, CheckCommand.self, TLSACommand.self, TimerCommand.self,
            ServeCommand.self, EnableCommand.self, DisableCommand.self,
        ]
    )

    public init() {}
}

/// The release this build is.
public enum MailcertVersion {
    public static let number = "0.1.0"
}
