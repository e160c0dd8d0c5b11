import Foundation
import MailcertCrypto

extension ACMEClient {
    /// Places an order (RFC 8555 section 7.4); `replaces` is the ARI certificate identifier of the predecessor,
    /// `profile` one of the directory's `meta.profiles` (draft-ietf-acme-profiles). Absent fields are not sent.
    public func newOrder(
        identifiers: [Identifier], replaces: String?, profile: String? = nil
    ) async throws -> (url: String, order: Order) {
        let url = try await directory().newOrder
        struct NewOrder: Encodable {
            var identifiers: [Identifier]
            var replaces: String?
            var profile: String?
        }
        let payload = NewOrder(identifiers: identifiers, replaces: replaces, profile: profile)
        let response = try await post(url, payload: try encode(payload))
        guard let location = response.header("Location") else {
            throw ACMEError(.malformedResponse, "\(url): the CA gave no Location for the order")
        }
        return (location, try decode(Order.self, from: response, url: url))
    }

    public func authorization(_ url: String) async throws -> Authorization {
        try await fetch(Authorization.self, url).0
    }

    public func order(_ url: String) async throws -> (Order, retryAfter: String?) {
        let (order, response) = try await fetch(Order.self, url)
        return (order, response.header("Retry-After"))
    }

    /// Tells the CA the challenge is ready to be validated (an empty JSON object, section 7.5.1).
    public func respond(to challenge: Challenge) async throws -> Challenge {
        let response = try await post(challenge.url, payload: Array("{}".utf8))
        return try decode(Challenge.self, from: response, url: challenge.url)
    }

    /// Sends the CSR (section 7.4).
    public func finalize(_ order: Order, csrDER: [UInt8]) async throws -> (Order, retryAfter: String?) {
        let payload = Array("{\"csr\":\"\(Base64URL.encode(csrDER))\"}".utf8)
        let response = try await post(order.finalize, payload: payload)
        return (try decode(Order.self, from: response, url: order.finalize), response.header("Retry-After"))
    }

    /// Downloads a certificate chain (PEM) and the URLs of alternate chains (`Link: rel="alternate"`, section 7.4.2).
    public func certificateChain(_ url: String) async throws -> (pem: String, alternates: [String]) {
        let response = try await post(url, payload: nil)
        let pem = String(decoding: response.body, as: UTF8.self)
        guard pem.contains("-----BEGIN CERTIFICATE-----") else {
            throw ACMEError(.malformedResponse, "\(url): the CA's certificate download is not PEM")
        }
        return (pem, LinkHeader.urls(response.headerValues("Link"), relation: "alternate"))
    }

    /// The profiles the CA offers (name to description), empty when its directory lists none.
    public func profiles() async throws -> [String: String] {
        try await directory().meta?.profiles ?? [:]
    }

    /// The ARI window for a certificate (RFC 9773), or nil when the CA offers no renewalInfo.
    public func renewalInfo(certificateID: String) async throws -> (RenewalInfo, retryAfter: String?)? {
        guard let base = try await directory().renewalInfo else { return nil }
        let url = base.hasSuffix("/") ? base + certificateID : base + "/" + certificateID
        let response = try await send(HTTPRequest(method: "GET", url: url))
        guard response.status == 200 else {
            throw ACMEError(.problem, "GET \(url): HTTP \(response.status)")
        }
        return (try decode(RenewalInfo.self, from: response, url: url), response.header("Retry-After"))
    }
}

/// RFC 8288 Link header parsing, enough for ACME's `alternate` and `up` relations.
enum LinkHeader {
    static func urls(_ values: [String], relation: String) -> [String] {
        values.flatMap { $0.split(separator: ",") }.compactMap { link in
            let parts = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { return nil }
            let relations = parts.dropFirst().filter { $0.hasPrefix("rel=") }.map {
                $0.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return relations.contains(relation) ? String(target.dropFirst().dropLast()) : nil
        }
    }
}
