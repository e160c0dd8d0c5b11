import Foundation
import MailcertCrypto

/// Changes to the bindings; they take the writer, so they happen under the store's lock.
public enum ServiceBinding {
    /// Binds every service to `name` in one write; returns what each was bound to before (nil: nothing).
    public static func bind(_ services: [MailService], to name: String, in writer: any StoreWriter) throws
        -> [MailService: String?]
    {
        var bindings = try writer.bindings()
        var previous: [MailService: String?] = [:]
        for service in services {
            previous[service] = bindings.services[service.rawValue]
            bindings.services[service.rawValue] = name
        }
        try writer.saveBindings(bindings)
        return previous
    }

    /// Unbinds the services in one write; returns the certificate each was bound to (absent when it was not bound).
    public static func unbind(_ services: [MailService], in writer: any StoreWriter) throws -> [MailService: String] {
        var bindings = try writer.bindings()
        var removed: [MailService: String] = [:]
        for service in services {
            if let name = bindings.services.removeValue(forKey: service.rawValue) { removed[service] = name }
        }
        if !removed.isEmpty { try writer.saveBindings(bindings) }
        return removed
    }
}

/// Finds certificates by what administrators copy from `list`.
public enum CertificateLookup {
    /// The certificate whose version in service has this SHA-256 or SHA-1 thumbprint (hex, colons and case ignored).
    public static func name(forThumbprint input: String, in store: any StoreReader) throws -> String {
        let wanted = input.replacingOccurrences(of: ":", with: "").uppercased()
        guard [40, 64].contains(wanted.count), wanted.allSatisfy(\.isHexDigit) else {
            throw MailcertError(.badInput, "--thumbprint \(input) is neither a SHA-256 (64 hex digits) nor a SHA-1 (40) thumbprint")
        }
        for name in try store.names() {
            guard let leaf = try? store.currentVersion(of: name)?.certificate() else { continue }
            if leaf.sha256Thumbprint == wanted || leaf.sha1Thumbprint == wanted { return name }
        }
        throw MailcertError(
            .notFound, "no certificate in service in \(store.location(of: .certificates)) has the thumbprint \(input) ('mailcert list' shows them)")
    }
}
