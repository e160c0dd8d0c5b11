import Foundation

/// Files the administrator names on the command line (certificates, bundles, password files).
public enum UserFile {
    /// The file's bytes, or an error that says what could not be done: "<purpose>: cannot read FILE: reason;
    /// nothing was changed".
    public static func read(_ url: URL, purpose: String) throws -> [UInt8] {
        do { return try POSIXFile.read(url) } catch let error as MailcertError {
            throw MailcertError(error.code, "\(purpose): \(error.message); nothing was changed")
        }
    }
}
