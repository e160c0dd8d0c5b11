import Foundation
import MailcertCrypto

/// External Account Binding credentials a CA hands out (RFC 8555 section 7.3.4).
public struct ExternalAccountBinding: Sendable {
    public var keyID: String
    /// The MAC key, base64url (or base64) as CAs print it.
    public var macKey: [UInt8]

    public init(keyID: String, macKeyBase64: String) throws {
        guard let key = Base64URL.decode(macKeyBase64.trimmingCharacters(in: .whitespacesAndNewlines)), !key.isEmpty else {
            throw ACMEError(.crypto, "the EAB HMAC key is not base64url")
        }
        self.keyID = keyID
        self.macKey = key
    }
}

extension ACMEClient {
    /// Creates the account, or finds the one this key already has (the CA answers 200 instead of 201).
    @discardableResult
    public func register(contact: [String], eab: ExternalAccountBinding?) async throws -> (url: String, account: Account) {
        let url = try await directory().newAccount
        struct NewAccount: Encodable {
            var termsOfServiceAgreed = true
            var contact: [String]
            var externalAccountBinding: [String: String]?
        }
        var request = NewAccount(contact: contact)
        if let eab {
            request.externalAccountBinding = try JWS.externalAccountBinding(accountKey: accountKey, keyID: eab.keyID, macKey: eab.macKey, url: url)
        }
        return try await accountRequest(url: url, payload: try encode(request))
    }

    /// Looks up the account of this key without creating one (`onlyReturnExisting`).
    public func findAccount() async throws -> (url: String, account: Account) {
        let url = try await directory().newAccount
        return try await accountRequest(url: url, payload: Array(#"{"onlyReturnExisting":true}"#.utf8))
    }

    private func accountRequest(url: String, payload: [UInt8]) async throws -> (url: String, account: Account) {
        let response = try await post(url, payload: payload, identity: .jwk)
        guard let location = response.header("Location") else {
            throw ACMEError(.malformedResponse, "\(url): the CA gave no Location for the account")
        }
        setAccountURL(location)
        return (location, try decode(Account.self, from: response, url: url))
    }

    /// Replaces the account key (RFC 8555 section 7.3.5); returns a client for the new key.
    public func rollover(to newKey: PrivateKey) async throws -> ACMEClient {
        let account = try requireAccount()
        guard let url = try await directory().keyChange else {
            throw ACMEError(.problem, "this CA does not offer account key rollover (no keyChange in its directory)")
        }
        let inner: [UInt8]
        do {
            let payload = Array("{\"account\":\(JWS.quoted(account)),\"oldKey\":\(try accountKey.publicJWKJSON())}".utf8)
            inner = try JWS.sign(payload: payload, url: url, nonce: nil, key: newKey, identity: .jwk)
        } catch let error as CryptoError {
            throw ACMEError(.crypto, "cannot sign the key change with the new key: \(error)")
        }
        _ = try await post(url, payload: inner)
        return ACMEClient(directoryURL: directoryURL, transport: transport, accountKey: newKey, accountURL: account)
    }

    /// Revokes a certificate (RFC 8555 section 7.6). `reason` is an RFC 5280 CRLReason code. Signed by the account,
    /// or, with `signedByCertificateKey`, by the certificate's own key (this client's key must then be that key).
    public func revoke(certificateDER: [UInt8], reason: Int?, signedByCertificateKey: Bool = false) async throws {
        guard let url = try await directory().revokeCert else {
            throw ACMEError(.problem, "this CA does not offer revocation (no revokeCert in its directory)")
        }
        var payload = "{\"certificate\":\"\(Base64URL.encode(certificateDER))\""
        if let reason { payload += ",\"reason\":\(reason)" }
        payload += "}"
        _ = try await post(url, payload: Array(payload.utf8), identity: signedByCertificateKey ? .jwk : nil)
    }
}
