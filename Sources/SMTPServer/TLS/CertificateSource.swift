import Foundation

/// One certificate to serve: a PEM chain file (leaf first) and its key, re-read on every reload.
///
/// The listener knows nothing of the store's layout beyond these paths; `mailcert serve` passes
/// `STATE/certs/NAME/current/fullchain.pem` and `key.pem` and watches `STATE/certs/NAME`, where a renewal switches
/// `current` in one rename.
public struct CertificateSource: Sendable, Equatable {
    /// For log lines: the certificate's name in the store.
    public var name: String
    public var chainFile: URL
    public var keyFile: URL
    /// Directories whose changes mean this certificate may have changed.
    public var watchedDirectories: [URL]

    public init(name: String, chainFile: URL, keyFile: URL, watchedDirectories: [URL]) {
        self.name = name
        self.chainFile = chainFile
        self.keyFile = keyFile
        self.watchedDirectories = watchedDirectories
    }
}
