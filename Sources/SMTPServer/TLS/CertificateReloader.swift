import Foundation
import Logging
import MailcertCrypto
import NIOConcurrencyHelpers

/// Loads the served certificates into a `TLSContextStore`, and again on every change.
///
/// A reload builds the new context off to the side and validates each certificate (the chain parses, the key matches
/// the leaf, the leaf names a host) before one swap puts it in service; handshakes already under way finish on the
/// context they started with. A certificate that fails keeps its previous good version in service, with a log line
/// naming the file and the reason. With nothing usable at all the store is emptied and STARTTLS answers 454.
public final class CertificateReloader: Sendable {
    /// Asked on every reload: the certificates to serve may change while the listener runs (`mailcert enable`).
    public let sources: @Sendable () -> [CertificateSource]
    private let store: TLSContextStore
    private let logger: Logger
    /// The last good identity per source name; the lock also serializes reloads.
    private let loaded = NIOLockedValueBox<[String: ServerIdentity]>([:])

    public init(sources: @escaping @Sendable () -> [CertificateSource], store: TLSContextStore, logger: Logger) {
        self.sources = sources
        self.store = store
        self.logger = logger
    }

    /// Re-reads every source and swaps the result in; returns how many certificates are now served.
    @discardableResult
    public func reload(reason: String) -> Int {
        loaded.withLockedValue { loaded in
            let sources = sources()
            let names = Set(sources.map(\.name))
            for name in loaded.keys where !names.contains(name) {
                loaded[name] = nil
                logger.notice("no longer serving certificate \(name)")
            }
            for source in sources { refresh(source, in: &loaded) }
            return install(sources.compactMap { loaded[$0.name] }, reason: reason)
        }
    }

    /// Builds a fresh context from the certificates already loaded, without reading files: new session ticket keys,
    /// so tickets from before stop being accepted (OpenSSL makes random ticket keys per context).
    public func rotateTicketKeys() {
        loaded.withLockedValue { loaded in
            _ = install(sources().compactMap { loaded[$0.name] }, reason: "session ticket key rotation")
        }
    }

    private func refresh(_ source: CertificateSource, in loaded: inout [String: ServerIdentity]) {
        do {
            let (chainFile, keyFile) = Self.resolvedTogether(source)
            let identity = try ServerIdentity.load(label: source.name, chain: chainFile, key: keyFile)
            let previous = loaded[source.name]
            loaded[source.name] = identity
            if previous?.leaf.sha256Thumbprint != identity.leaf.sha256Thumbprint {
                logger.notice(
                    "serving certificate",
                    metadata: [
                        "name": "\(source.name)", "sha256": "\(identity.leaf.sha256Thumbprint)",
                        "names": "\(identity.names.joined(separator: ","))",
                        "notAfter": "\(DateText.instant(identity.leaf.notValidAfter))",
                    ])
            }
        } catch {
            let consequence =
                loaded[source.name] == nil
                ? "it is not served" : "the previous version (\(loaded[source.name]!.leaf.sha256Thumbprint.prefix(16))…) keeps serving"
            logger.error("cannot load certificate \(source.name): \(error); \(consequence)")
        }
    }

    private func install(_ identities: [ServerIdentity], reason: String) -> Int {
        guard !identities.isEmpty else {
            if store.current != nil || reason == "start" {
                logger.error("no usable certificate (\(reason)): STARTTLS is not offered and answers 454 4.7.0")
            }
            store.replace(with: nil)
            return 0
        }
        do {
            let context = try ServerTLSContext(identities: identities)
            for reason in context.skipped { logger.warning("\(reason)") }
            let unchanged = store.current.map(Self.thumbprints) == Self.thumbprints(context)
            store.replace(with: context)
            // A change elsewhere in the watched directories (the lock file, another certificate) is not news.
            logger.log(
                level: unchanged ? .debug : .info,
                "TLS context ready (\(reason)): \(context.identities.count) certificate(s)")
            return context.identities.count
        } catch {
            let consequence =
                store.current == nil
                ? "STARTTLS is not offered and answers 454 4.7.0" : "the previous context keeps serving"
            logger.error("cannot build the TLS context (\(reason)): \(error); \(consequence)")
            return store.current?.identities.count ?? 0
        }
    }

    /// Chain and key in one directory reached through a symlink (`current`) are read from where the link points
    /// once, so a switch between the two reads cannot pair one version's key with another's chain.
    static func resolvedTogether(_ source: CertificateSource) -> (chain: URL, key: URL) {
        let directory = source.chainFile.deletingLastPathComponent()
        guard source.keyFile.deletingLastPathComponent() == directory else { return (source.chainFile, source.keyFile) }
        let resolved = directory.resolvingSymlinksInPath()
        return (
            resolved.appendingPathComponent(source.chainFile.lastPathComponent),
            resolved.appendingPathComponent(source.keyFile.lastPathComponent)
        )
    }

    private static func thumbprints(_ context: ServerTLSContext) -> [String] {
        context.identities.map(\.leaf.sha256Thumbprint)
    }
}
