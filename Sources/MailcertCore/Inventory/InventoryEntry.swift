import Foundation
import MailcertCrypto

/// One row of `mailcert list`: a certificate name with its current version and any pending request.
///
/// This is the `--json` schema scripts rely on: add fields, never rename or remove them.
public struct InventoryEntry: Codable, Equatable, Sendable {
    public var name: String
    public var status: CertificateStatus
    public var version: Int?
    public var source: VersionMetadata.Source?
    public var sha256: String?
    public var sha1: String?
    public var hostnames: [String]
    public var subject: String?
    public var issuer: String?
    public var notBefore: Date?
    public var notAfter: Date?
    public var daysLeft: Int?
    public var keyType: String?
    /// Whether the certificate may also act as a TLS client certificate (a relay's `--relay-cert`): public CAs issue
    /// serverAuth-only certificates since 2026. Nil when there is no version in service.
    public var clientAuth: Bool?
    public var services: [String]
    /// Each bound service and whether it serves the version in service (`list` shows the stale ones).
    public var serviceStatus: [ServiceStatus]?
    public var path: String?
    public var pending: PendingRequest?
    /// Why a `damaged` entry could not be read.
    public var problem: String?
    /// ACME certificates: the CA profile renewals ask for, and the earliest moment `renew` renews (the kept ARI
    /// window's start, else the lifetime rule), as `RenewalPolicy` decides it without the network.
    public var profile: String?
    public var renewsFrom: Date?
}

/// The inventory of a store: what Get-ExchangeCertificate shows, computed against an injected `now`.
public struct Inventory: Sendable {
    public var entries: [InventoryEntry]
    /// Problems that did not stop the listing (an unreadable bindings.json).
    public var warnings: [String]

    /// One entry per certificate name, sorted by name. A name whose files are damaged is listed as `damaged` with
    /// the reason, so one broken certificate never hides the others.
    public static func load(store: any CertificateStore, now: Date) throws -> Inventory {
        var warnings: [String] = []
        let bindings: Bindings
        do { bindings = try store.bindings() } catch {
            warnings.append("\(error); services are not shown")
            bindings = Bindings()
        }
        let entries = try store.names().compactMap { name -> InventoryEntry? in
            do { return try entry(name: name, store: store, bindings: bindings, now: now) } catch {
                return InventoryEntry(
                    name: name, status: .damaged, hostnames: [], services: bindings.services(boundTo: name),
                    path: store.location(of: .certificate(name)), problem: "\(error)")
            }
        }
        var inventory = Inventory(entries: entries, warnings: warnings)
        do {
            let statuses = try ServiceStatus.all(in: store)
            for index in inventory.entries.indices {
                inventory.entries[index].serviceStatus = statuses.filter { $0.name == inventory.entries[index].name }
            }
        } catch {
            inventory.warnings.append("\(error); whether services are up to date is not shown")
        }
        return inventory
    }

    /// The entry of one name, or nil when it has neither a current version nor a pending request.
    public static func entry(name: String, store: any CertificateStore, now: Date) throws -> InventoryEntry? {
        try entry(name: name, store: store, bindings: (try? store.bindings()) ?? Bindings(), now: now)
    }

    private static func entry(name: String, store: any CertificateStore, bindings: Bindings, now: Date) throws
        -> InventoryEntry?
    {
        let pending = try store.pending(of: name)?.request
        let services = bindings.services(boundTo: name)
        guard let current = try store.currentVersion(of: name) else {
            guard let pending else { return nil }
            return InventoryEntry(
                name: name, status: .pending, hostnames: pending.hostnames, keyType: pending.keyType,
                services: services, path: store.location(of: .pending(name)), pending: pending)
        }
        let leaf = try current.certificate()
        var entry = InventoryEntry(
            name: name, status: CertificateStatus.of(leaf, now: now), version: current.number,
            source: current.metadata.source, sha256: leaf.sha256Thumbprint, sha1: leaf.sha1Thumbprint,
            hostnames: leaf.dnsNames, subject: leaf.subject, issuer: leaf.issuer, notBefore: leaf.notValidBefore,
            notAfter: leaf.notValidAfter, daysLeft: CertificateStatus.daysLeft(leaf, now: now),
            keyType: leaf.keyType?.rawValue ?? leaf.keyDisplayName, clientAuth: leaf.allowsClientAuth, services: services,
            path: store.servedFiles(of: name).directory.path, pending: pending)
        // Renewal details are extras: a damaged renewal.json or ari.json is `renew`'s to report, not a reason to
        // hide the certificate.
        if let options = (try? store.renewalOptions(of: name)) ?? nil {
            entry.profile = options.profile
            entry.renewsFrom = RenewalPolicy.renewsFrom(leaf, stored: (try? store.renewalInfo(of: name)) ?? nil)
        }
        return entry
    }
}
