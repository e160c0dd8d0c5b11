import MailcertCrypto

/// Is the private key the one the certificate certifies? A mismatch makes every handshake fail.
enum KeyMatchCheck {
    static func evaluate(_ leaf: Certificate, key: PrivateKey) -> CheckResult {
        if leaf.matches(key) { return CheckResult("key", .ok, "the private key matches the certificate") }
        let keyPrint = (try? key.publicKeyFingerprint()).map { String($0.prefix(16)) } ?? "?"
        let certPrint = (try? leaf.publicKeyFingerprint()).map { String($0.prefix(16)) } ?? "?"
        return CheckResult(
            "key", .critical,
            "the private key does not belong to the certificate (key SPKI SHA-256 \(keyPrint)…, certificate "
                + "\(certPrint)…); every TLS handshake with this pair fails")
    }
}
