import Foundation

/// What a command says after it stored a version: its inventory entry and the lines about it, or a warning when it
/// cannot be described (best effort: the version is in service either way).
public struct StoredVersionSummary: Sendable {
    /// Nil when there is nothing to show.
    public var entry: InventoryEntry?
    public var text = ""
    public var warning: String?

    public init(_ version: StoredVersion, store: any CertificateStore, now: Date) {
        do { entry = try Inventory.entry(name: version.name, store: store, now: now) } catch {
            warning = "version \(version.number) of '\(version.name)' is in service, but cannot be described: \(error)"
        }
        guard let entry else { return }
        text = InventoryTable.stored(entry, version: version, files: store.servedFiles(of: version.name))
    }
}
