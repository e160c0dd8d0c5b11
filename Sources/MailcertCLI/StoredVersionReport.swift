import MailcertCore
import Foundation

/// Prints what a command stored (`StoredVersionSummary`), as text or JSON.
enum StoredVersionReport {
    static func print(_ version: StoredVersion, store: FileCertificateStore, now: Date, json: Bool) throws {
        let summary = StoredVersionSummary(version, store: store, now: now)
        if let warning = summary.warning { Output.warn(warning) }
        guard let entry = summary.entry else { return }
        if json { try Output.printJSON(entry) } else { Output.print(summary.text) }
    }
}
