import Foundation
import MailcertCrypto

/// The human forms of the inventory: an aligned table and a Format-List style block per certificate.
public enum InventoryTable {
    public static func table(_ entries: [InventoryEntry]) -> String {
        let header = [
            "NAME", "STATUS", "DAYS", "NOT AFTER", "RENEWS FROM", "KEY", "ISSUER", "SHA-256", "SERVICES", "HOSTNAMES",
        ]
        let rows = entries.map { entry in
            [
                entry.name,
                entry.status.rawValue + (entry.pending != nil && entry.status != .pending ? "+pending" : ""),
                entry.daysLeft.map(String.init) ?? "-",
                day(entry.notAfter),
                day(entry.renewsFrom),
                entry.keyType ?? "-",
                entry.issuer.map(shortIssuer) ?? "-",
                entry.sha256.map { String($0.prefix(16)) } ?? "-",
                entry.services.isEmpty ? "-" : serviceLabels(entry).joined(separator: ","),
                entry.hostnames.joined(separator: ","),
            ]
        }
        return align([header] + rows)
    }

    public static func long(_ entries: [InventoryEntry]) -> String {
        entries.map { entry in
            var fields: [(String, String)] = [
                ("name", entry.name), ("status", entry.status.rawValue),
                ("version", entry.version.map(String.init) ?? "-"), ("source", entry.source?.rawValue ?? "-"),
                ("hostnames", entry.hostnames.joined(separator: ", ")), ("subject", entry.subject ?? "-"),
                ("issuer", entry.issuer ?? "-"), ("not before", day(entry.notBefore)),
                ("not after", day(entry.notAfter)), ("days left", entry.daysLeft.map(String.init) ?? "-"),
                ("key type", entry.keyType ?? "-"), ("clientAuth", clientAuth(entry.clientAuth)),
                ("sha256", entry.sha256 ?? "-"), ("sha1", entry.sha1 ?? "-"),
                ("services", entry.services.isEmpty ? "-" : serviceLabels(entry).joined(separator: ", ")),
                ("path", entry.path ?? "-"),
            ]
            if let renewsFrom = entry.renewsFrom { fields.append(("renews", "from \(DateText.instant(renewsFrom))")) }
            if let profile = entry.profile { fields.append(("profile", profile)) }
            if let problem = entry.problem { fields.append(("problem", problem)) }
            if let pending = entry.pending {
                fields.append(("pending", "CSR for \(pending.hostnames.joined(separator: ", ")) since \(day(pending.created))"))
            }
            return fields.map { "\($0.0.padding(toLength: 11, withPad: " ", startingAt: 0)): \($0.1)" }.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// Whether the certificate can also be a TLS client certificate, in words.
    private static func clientAuth(_ allowed: Bool?) -> String {
        guard let allowed else { return "-" }
        return allowed ? "yes" : "no (serverAuth only: not usable as a TLS client certificate)"
    }

    /// The issuer's CN when it has one ("R11"), else the whole RFC 2253 name.
    private static func shortIssuer(_ issuer: String) -> String {
        let parts = issuer.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return parts.first { $0.hasPrefix("CN=") }.map { String($0.dropFirst(3)) } ?? issuer
    }

    private static func align(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension InventoryTable {
    /// Each bound service by name, a stale one with what it serves: `postfix (serving v3, current v4)`.
    static func serviceLabels(_ entry: InventoryEntry) -> [String] {
        entry.services.map { service in entry.serviceStatus?.first { $0.service == service }?.label ?? service }
    }

    /// The few lines a command prints after it stored a version: what is in service now, and the stable paths
    /// (through `current/`) a daemon should read.
    public static func stored(_ entry: InventoryEntry, version: StoredVersion, files: ServedFiles) -> String {
        """
        stored '\(entry.name)' version \(version.number) (\(version.metadata.source.rawValue)) and put it in service
          hostnames:  \(entry.hostnames.joined(separator: ", "))
          status:     \(entry.status.rawValue), expires \(day(entry.notAfter))
          key type:   \(entry.keyType ?? "-")
          sha256:     \(entry.sha256 ?? "-")
          fullchain:  \(files.fullchain.path)
          key:        \(files.key.path)
        """
    }

    /// A day as the tables show it; "-" for none.
    static func day(_ date: Date?) -> String { date.map { DateText.day($0) } ?? "-" }
}
