import Foundation

/// An RFC 7807 problem document as ACME uses it (RFC 8555 section 6.7), with subproblems per identifier.
public struct Problem: Codable, Equatable, Sendable, CustomStringConvertible {
    public var type: String?
    public var detail: String?
    public var status: Int?
    public var identifier: Identifier?
    public var subproblems: [Problem]?

    /// Set by the client from the HTTP answer, not part of the document.
    public var retryAfter: String?

    enum CodingKeys: String, CodingKey { case type, detail, status, identifier, subproblems }

    public static let namespace = "urn:ietf:params:acme:error:"

    /// The type without the ACME URN prefix ("badNonce", "rateLimited", ...).
    public var shortType: String {
        guard let type else { return "unknown" }
        return type.hasPrefix(Self.namespace) ? String(type.dropFirst(Self.namespace.count)) : type
    }

    /// RFC 8555 section 6.5: the request may be retried with a fresh nonce.
    public var isBadNonce: Bool { shortType == "badNonce" }

    /// "rateLimited: too many certificates (retry after ...) [mx1.example.com: dns: NXDOMAIN]"
    public var description: String {
        var text = "\(shortType): \(detail ?? "no detail given")"
        if let retryAfter { text += " (retry after \(retryAfter))" }
        if let subproblems, !subproblems.isEmpty {
            text += " [" + subproblems.map { sub in
                (sub.identifier.map { "\($0.value): " } ?? "") + "\(sub.shortType): \(sub.detail ?? "")"
            }.joined(separator: "; ") + "]"
        }
        return text
    }
}
