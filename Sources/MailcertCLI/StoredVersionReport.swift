import MailcertCore
import Foundation

/// The few lines a command prints after it stored a version: what is in service now, and the stable paths
/// (through `current/`) a daemon should read.
enum StoredVersionReport {
    /// Prints the entry of a freshly stored version as text or JSON.
    /// Best effort: the version is already in service, so a failure to describe it is a warning, not a failure.
    static func print(_ version: StoredVersion, store: FileCertificateStore, now: Date, json: Bool) throws {
        let entry: InventoryEntry
        do {
            guard let found = try Inventory.entry(name: version.name, store: store, now: now) else { return }
            entry = found
        } catch {
            return Output.warn("version \(version.number) of '\(version.name)' is in service, but cannot be described: \(error)")
        }
        if json { return try Output.printJSON(entry) }
        Output.print(InventoryTable.stored(entry, version: version, files: store.servedFiles(of: version.name)))
    }
}
