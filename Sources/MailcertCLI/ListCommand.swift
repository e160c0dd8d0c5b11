import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert list`: the inventory, like Get-ExchangeCertificate.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show every certificate in the store: status, days left, key, issuer, thumbprint, services.",
        discussion: """
            STATUS is one of: valid; expiring (fewer than \(CertificateStatus.expiringWithinDays) days left, or past \
            the renewal point of a shorter-lived certificate); expired; \
            not-yet-valid; self-signed; pending (a CSR waits for 'mailcert import'); damaged (files unreadable; \
            --long says why). A '+pending' mark means a CSR is waiting beside the version in service. RENEWS FROM is \
            when 'renew' renews an ACME certificate (the CA's last renewal window, else the lifetime rule). The table \
            shortens the SHA-256 thumbprint; --long shows every field (full SHA-256, the SHA-1 \
            thumbprint Windows shows, not-before); --json prints {"certificates": [...]} with ISO 8601 dates (fields that do not apply are \
            absent).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    @Flag(help: "Print every field of every certificate.")
    var long = false

    func run() throws {
        try Output.reportingErrors {
            let inventory = try Inventory.load(store: global.store(), now: Date())
            for warning in inventory.warnings { Output.warn(warning) }
            let entries = inventory.entries
            if json { return try Output.printJSON(["certificates": entries]) }
            guard !entries.isEmpty else {
                return Output.note("no certificates in \(global.store().location(of: .store)); make one with 'mailcert request'")
            }
            Output.print(long ? InventoryTable.long(entries) : InventoryTable.table(entries))
        }
    }
}
