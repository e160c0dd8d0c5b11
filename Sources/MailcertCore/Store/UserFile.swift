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

    /// The first line of a password file, as `openssl -passin file:` reads it; nil when no file is named.
    public static func password(_ file: URL?) throws -> String? {
        guard let file else { return nil }
        let text = String(decoding: try read(file, purpose: "cannot read the password"), as: UTF8.self)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }
}
