import Foundation
import MailcertCrypto

/// Flattened JWS JSON serialization (RFC 7515 section 7.2.2) as ACME requests carry it (RFC 8555 section 6.2).
enum JWS {
    /// The signing key's identity in the protected header: the JWK before an account exists, the account URL after.
    enum KeyIdentity {
        case jwk
        case kid(String)
    }

    /// A signed request body. `payload` nil means POST-as-GET (empty payload).
    static func sign(payload: [UInt8]?, url: String, nonce: String?, key: PrivateKey, identity: KeyIdentity) throws -> [UInt8] {
        var header = "{\"alg\":\"\(try key.jwsAlgorithm)\""
        switch identity {
        case .jwk: header += ",\"jwk\":\(try key.publicJWKJSON())"
        case .kid(let kid): header += ",\"kid\":\(quoted(kid))"
        }
        if let nonce { header += ",\"nonce\":\(quoted(nonce))" }
        header += ",\"url\":\(quoted(url))}"
        let protected = Base64URL.encode(header)
        let encodedPayload = payload.map(Base64URL.encode) ?? ""
        let signature = try key.jwsSignature(Array("\(protected).\(encodedPayload)".utf8))
        let body = "{\"protected\":\"\(protected)\",\"payload\":\"\(encodedPayload)\",\"signature\":\"\(Base64URL.encode(signature))\"}"
        return Array(body.utf8)
    }

    /// The External Account Binding JWS (RFC 8555 section 7.3.4): the account JWK, MACed with the CA's key.
    static func externalAccountBinding(accountKey: PrivateKey, keyID: String, macKey: [UInt8], url: String) throws -> [String: String] {
        let protected = Base64URL.encode("{\"alg\":\"HS256\",\"kid\":\(quoted(keyID)),\"url\":\(quoted(url))}")
        let payload = Base64URL.encode(try accountKey.publicJWKJSON())
        let mac = try HMACSHA256.mac(key: macKey, message: Array("\(protected).\(payload)".utf8))
        return ["protected": protected, "payload": payload, "signature": Base64URL.encode(mac)]
    }

    static func quoted(_ string: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [string], options: [.withoutEscapingSlashes])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
