import Foundation
import MailcertSystem

/// Where running `mailcert serve` processes listen, as they recorded it: address, port, how TLS starts there, and
/// the process, so a record whose process is gone can be told apart.
public struct ListenerEndpoints: Codable, Equatable, Sendable {
    public struct Record: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Sendable {
            case starttls
            /// STARTTLS required before mail (`--require-tls`).
            case required
            /// TLS from the first byte (`--implicit-tls`, port 465).
            case implicitTLS = "implicit-tls"
        }

        /// "HOST:PORT" ("[V6]:PORT").
        public var endpoint: String
        public var kind: Kind
        public var pid: Int32

        public init(endpoint: String, kind: Kind, pid: Int32) {
            self.endpoint = endpoint
            self.kind = kind
            self.pid = pid
        }
    }

    public var listeners: [Record]

    public init(listeners: [Record] = []) { self.listeners = listeners }
}

extension ListenerEndpoints {
    /// Whether a process still runs: signal 0 reaches it (EPERM: it runs as another user).
    public static let processRuns: @Sendable (Int32) -> Bool = { pid in kill(pid, 0) == 0 || errno == EPERM }

    /// Where `service` of a running listener can be proven, "HOST:PORT": a STARTTLS port for smtp (25 first), an
    /// implicit-TLS one for submission (465 first). Records of processes that are gone are skipped, each with a note.
    public func proofTarget(
        for service: MailService, isRunning: (Int32) -> Bool = ListenerEndpoints.processRuns,
        note: (String) -> Void = { _ in }
    ) -> String? {
        let kinds: [Record.Kind] = service == .submission ? [.implicitTLS] : [.starttls, .required]
        let preferred = service == .submission ? 465 : 25
        var candidates: [Endpoint] = []
        for record in listeners where kinds.contains(record.kind) {
            guard isRunning(record.pid) else {
                note("the listener at \(record.endpoint) (pid \(record.pid)) is gone; its record is ignored")
                continue
            }
            if let endpoint = try? Endpoint.parse(record.endpoint, defaultPort: preferred) { candidates.append(endpoint) }
        }
        guard let chosen = candidates.first(where: { $0.port == preferred }) ?? candidates.first else { return nil }
        return Self.reachable(chosen).description
    }

    /// A wildcard listen address is reached on the loopback of the same family.
    static func reachable(_ endpoint: Endpoint) -> Endpoint {
        switch endpoint.host {
        case "0.0.0.0": Endpoint(host: "127.0.0.1", port: endpoint.port)
        case "::", "[::]": Endpoint(host: "::1", port: endpoint.port)
        default: endpoint
        }
    }
}

extension ListenerEndpoints {
    /// Records where the process `pid` listens, replacing its earlier records and those of processes that are gone.
    public static func register(
        _ records: [Record], pid: Int32, in store: any CertificateStore,
        isRunning: (Int32) -> Bool = ListenerEndpoints.processRuns
    ) throws {
        try store.write { writer in
            var known = try writer.listenerEndpoints()
            known.listeners = known.listeners.filter { $0.pid != pid && isRunning($0.pid) } + records
            try writer.saveListenerEndpoints(known)
        }
    }

    /// Drops the records of `pid` (a listener shutting down).
    public static func unregister(pid: Int32, in store: any CertificateStore) throws {
        try store.write { writer in
            var known = try writer.listenerEndpoints()
            guard known.listeners.contains(where: { $0.pid == pid }) else { return }
            known.listeners.removeAll { $0.pid == pid }
            try writer.saveListenerEndpoints(known)
        }
    }
}
