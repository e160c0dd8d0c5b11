import Foundation
import MailcertCheck
import MailcertCrypto

/// `mailcert tlsa`: the DANE `3 1 1` records (RFC 7672 DANE-EE, SHA-256 of the SubjectPublicKeyInfo) to publish for a
/// certificate's key, and with `next` for the key that will follow it (made once, see `NextKey`).
public struct TLSARecords: Sendable {
    public var name: String
    public var port: Int
    public var next: Bool

    public init(name: String, port: Int, next: Bool) {
        self.name = name
        self.port = port
        self.next = next
    }

    /// One record as scripts read it.
    public struct Record: Encodable, Sendable {
        public let host: String
        public let port: Int
        /// "current" or "next".
        public let key: String
        public let usage: UInt8
        public let selector: UInt8
        public let matchingType: UInt8
        public let data: String
        public let zoneLine: String
    }

    /// The records, and for each key a comment line ("current key (ECDSA P-256), in service").
    public struct Result: Sendable {
        public var keys: [(label: String, comment: String)]
        public var records: [Record]
    }

    /// Wildcard names are skipped (an MX host has a name of its own), with a note.
    public func run(store: any CertificateStore, progress: Reporter) throws -> Result {
        let subject = try LocalCheckSubject.stored(name: name, store: store)
        let hosts = subject.leaf.dnsNames.filter { !$0.hasPrefix("*") }
        for wildcard in subject.leaf.dnsNames where wildcard.hasPrefix("*") {
            progress.note("skipping \(wildcard): a TLSA record needs the MX host's own name")
        }
        guard !hosts.isEmpty else {
            throw MailcertError(.badInput, "certificate '\(name)' names no host a TLSA record can be published for")
        }
        var keys: [(label: String, comment: String, spki: [UInt8])] = [
            ("current", "current key (\(subject.leaf.keyDisplayName)), in service", try subject.leaf.publicKeyDER())
        ]
        if next {
            let (key, created) = try NextKey.ensure(name: name, store: store)
            if created { progress.note("created the next key \(store.location(of: .nextKey(name)))") }
            keys.append(
                ("next", "next key (\(key.displayName)), used by the next request or renewal", try key.publicKeyDER()))
        }
        let records = keys.flatMap { key in
            hosts.map { host in
                let record = TLSAMatcher.dane311(spki: key.spki)
                let data = Hex.encode(record.data)
                return Record(
                    host: host, port: port, key: key.label, usage: record.usage, selector: record.selector,
                    matchingType: record.matchingType, data: data,
                    zoneLine: "_\(port)._tcp.\(host). IN TLSA 3 1 1 \(data)")
            }
        }
        return Result(keys: keys.map { ($0.label, $0.comment) }, records: records)
    }
}
