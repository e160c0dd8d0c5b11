import Foundation

/// ACME Renewal Information (RFC 9773 section 4.2): the window in which the CA suggests renewing.
public struct RenewalInfo: Codable, Equatable, Sendable {
    public struct Window: Codable, Equatable, Sendable {
        public var start: Date
        public var end: Date

        public init(start: Date, end: Date) {
            self.start = start
            self.end = end
        }
    }

    public var suggestedWindow: Window
    public var explanationURL: String?

    public init(suggestedWindow: Window, explanationURL: String? = nil) {
        self.suggestedWindow = suggestedWindow
        self.explanationURL = explanationURL
    }
}
