import Foundation

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
