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
    public let sources: [CertificateSource]
    private let store: TLSContextStore
    private let logger: Logger
    /// The last good identity per source name; the lock also serializes reloads.
    private let loaded = NIOLockedValueBox<[String: ServerIdentity]>([:])

    public init(sources: [CertificateSource], store: TLSContextStore, logger: Logger) {
        self.sources = sources
        self.store = store
        self.logger = logger
    }

    /// Re-reads every source and swaps the result in; returns how many certificates are now served.
    @discardableResult
    public func reload(reason: String) -> Int {
        loaded.withLockedValue { loaded in
            for source in sources { refresh(source, in: &loaded) }
            return install(sources.compactMap { loaded[$0.name] }, reason: reason)
        }
    }

    /// Builds a fresh context from the certificates already loaded, without reading files: new session ticket keys,
    /// so tickets from before stop being accepted (OpenSSL makes random ticket keys per context).
    public func rotateTicketKeys() {
        loaded.withLockedValue { loaded in
            _ = install(sources.compactMap { loaded[$0.name] }, reason: "session ticket key rotation")
        }
    }

    private func refresh(_ source: CertificateSource, in loaded: inout [String: ServerIdentity]) {
        do {
            let identity = try ServerIdentity.load(label: source.name, chain: source.chainFile, key: source.keyFile)
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
            store.replace(with: nil)
            logger.error("no usable certificate (\(reason)): STARTTLS is not offered and answers 454 4.7.0")
            return 0
        }
        do {
            let context = try ServerTLSContext(identities: identities)
            for reason in context.skipped { logger.warning("\(reason)") }
            store.replace(with: context)
            logger.info("TLS context ready (\(reason)): \(context.identities.count) certificate(s)")
            return context.identities.count
        } catch {
            let consequence =
                store.current == nil
                ? "STARTTLS is not offered and answers 454 4.7.0" : "the previous context keeps serving"
            logger.error("cannot build the TLS context (\(reason)): \(error); \(consequence)")
            return store.current?.identities.count ?? 0
        }
    }
}
