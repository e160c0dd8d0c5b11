import Foundation
import Mustache

/// Renders the files mailcert installs from the Mustache templates in the `templates/` directory, so packagers and
/// administrators can change what is written without rebuilding.
public struct TemplateRenderer: Sendable {
    /// The templates directory (holding `systemd/`, `cron/`, `postfix/`, …).
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `relativePath` (e.g. "systemd/mailcert-renew.timer.mustache") rendered with `values`.
    public func render(_ relativePath: String, _ values: [String: Any]) throws -> String {
        let file = directory.appendingPathComponent(relativePath)
        let text = String(decoding: try POSIXFile.read(file), as: UTF8.self)
        do {
            return try MustacheTemplate(string: text).render(values)
        } catch {
            throw MailcertError(
                .badInput, "the template \(file.path) is not valid Mustache: \(error); nothing was installed")
        }
    }
}
