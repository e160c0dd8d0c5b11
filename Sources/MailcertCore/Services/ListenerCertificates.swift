import Foundation

/// Which certificates the bundled listener serves: those it was started with (`serve --cert`), then those bound to
/// smtp and submission, each once. Asked again on every reload, so `mailcert enable --service smtp` takes effect in
/// a running listener.
public struct ListenerCertificates: Sendable {
    public let names: [String]
    public let store: any CertificateStore

    public init(names: [String], store: any CertificateStore) {
        self.names = names
        self.store = store
    }

    /// A misspelt --cert is refused at start; a binding that names a missing certificate is skipped at reload.
    public func checkNamedCertificatesExist() throws {
        let known = Set(try store.names())
        for name in names where !known.contains(name) {
            throw MailcertError(
                .notFound,
                "no certificate named '\(name)' in \(store.location(of: .certificates)) (see 'mailcert list'); "
                    + "nothing was started")
        }
    }

    /// The certificates to serve now, with where their files are.
    public func current() -> [(name: String, files: ServedFiles)] {
        let bindings = (try? store.bindings()) ?? Bindings()
        let bound = [MailService.smtp, .submission].compactMap { bindings.services[$0.rawValue] }
        var seen = Set<String>()
        return (names + bound).filter { seen.insert($0).inserted }.map { ($0, store.servedFiles(of: $0)) }
    }

    /// What the listener watches besides each certificate's own directory: where bindings change and where new
    /// certificates appear.
    public var watchedDirectories: [URL] { store.watchedDirectories }
}
