import Foundation
import FuzzSupport
@testable import MailcertCore
import MailcertCrypto

/// libFuzzer entry: any bytes as a file given to `mailcert import`: certificates (PEM or DER) when the first byte is
/// even, a PKCS#12 bundle otherwise, tried with the seeds' password and with none. Parsing may fail, never trap;
/// what parses is read the way import and `list` read it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let file = URL(fileURLWithPath: "/fuzz/input")
    if data[0] % 2 == 0 {
        guard let certificates = try? Certificate.parseAll(bytes), let leaf = CertificateChain.leaf(of: certificates)
        else { return 0 }
        for certificate in certificates { inspect(certificate) }
        _ = CertificateChain.ordered(leaf: leaf, others: certificates)
        _ = ValidityWarnings.of(leaf, file: file, now: now)
    } else {
        for password in ["mailcert", ""] {
            guard let bundle = try? PKCS12Bundle(der: bytes, password: password) else { continue }
            inspect(bundle.certificate)
            bundle.chain.forEach(inspect)
            _ = bundle.certificate.matches(bundle.key)
            _ = bundle.key.displayName
            _ = try? bundle.key.publicKeyFingerprint()
            _ = CertificateChain.ordered(leaf: bundle.certificate, others: bundle.chain)
        }
    }
    return 0
}

/// Every field import, `list --long` and the checks show.
private func inspect(_ certificate: Certificate) {
    _ = certificate.subject
    _ = certificate.issuer
    _ = certificate.commonName
    _ = certificate.dnsNames
    _ = certificate.notValidBefore
    _ = certificate.notValidAfter
    _ = certificate.serialNumber
    _ = certificate.keyDisplayName
    _ = certificate.isSelfSigned
    _ = certificate.isCertificateAuthority
    _ = certificate.ariIdentifier
    _ = try? certificate.publicKeyFingerprint()
    require((try? Certificate(der: certificate.der)) == certificate, "a certificate does not re-encode to itself")
}

exit(runLibFuzzer(fuzz))
