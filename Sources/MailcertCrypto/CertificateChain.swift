/// Orders certificates leaf first, each followed by its issuer, the order TLS servers must send them in.
public enum CertificateChain {
    /// Puts `leaf` first and then, repeatedly, the certificate among `others` that issued the last one placed.
    /// Certificates that issued nothing in the path (cross-signs, strays) follow in their original order, so nothing
    /// the CA sent is dropped. Duplicates of the leaf or of each other are removed.
    public static func ordered(leaf: Certificate, others: [Certificate]) -> [Certificate] {
        var remaining: [Certificate] = []
        for certificate in others where certificate != leaf && !remaining.contains(certificate) {
            remaining.append(certificate)
        }
        var chain = [leaf]
        while let last = chain.last, !last.isSelfSigned,
            let index = remaining.firstIndex(where: { last.isIssued(by: $0) })
        {
            chain.append(remaining.remove(at: index))
        }
        return chain + remaining
    }

    /// Among `certificates`, the one that issued none of the others: the end-entity certificate of a bag of
    /// certificates in any order. Falls back to the first one when the bag is not a chain.
    public static func leaf(of certificates: [Certificate]) -> Certificate? {
        certificates.first { candidate in
            !certificates.contains { other in other != candidate && other.isIssued(by: candidate) }
        } ?? certificates.first
    }
}
