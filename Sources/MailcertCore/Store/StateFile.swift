import Foundation

/// One JSON file of the state directory holding one value, read and written whole: the file store's every
/// `bindings.json`-like file goes through here, so each is decoded and encoded the same way (`StoreJSON`).
///
/// Absent reads as `empty`; present but undecodable is an error naming the file and what it should hold, because
/// guessing (no bindings, no deploy settings) would deploy to the wrong place or drop a service.
struct StateFile<Value: Codable> {
    let url: URL
    /// What the file should hold, for the error ("a JSON object of service names").
    let holds: String
    var mode: mode_t = 0o644
    /// The mode of its directory if this write creates it.
    var directoryMode: mode_t = 0o700

    func load(empty: Value) throws -> Value {
        guard FileManager.default.fileExists(atPath: url.path) else { return empty }
        return try decode()
    }

    /// Nil when absent.
    func loadIfPresent() throws -> Value? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try decode()
    }

    func save(_ value: Value) throws {
        try POSIXFile.makeDirectory(url.deletingLastPathComponent(), mode: directoryMode)
        try POSIXFile.writeAtomically(try StoreJSON.encode(value), to: url, mode: mode)
    }

    private func decode() throws -> Value {
        do { return try StoreJSON.decoder().decode(Value.self, from: Data(try POSIXFile.read(url))) } catch let error
            as MailcertError
        {
            throw error
        } catch {
            throw MailcertError(.badInput, "\(url.path) is not \(holds): \(error)")
        }
    }
}
