import CMailcertShims
import COpenSSL
import Foundation

/// Builds a path from a leaf through the intermediates it came with to a root of a `TrustStore`.
///
/// Time is a parameter: callers decide whether validity dates count (the checks report expiry on their own, so they
/// verify the path without dates and name the expired certificate themselves).
public enum ChainVerifier {
    public struct Options: Sendable {
        /// The moment to verify at (only used when `checkTime`).
        public var now: Date
        public var checkTime: Bool
        /// Accept a path ending at any certificate of the store, not only a self-signed root (DANE-TA).
        public var partialChain: Bool

        public init(now: Date, checkTime: Bool = false, partialChain: Bool = false) {
            self.now = now
            self.checkTime = checkTime
            self.partialChain = partialChain
        }
    }

    public enum Outcome: Sendable {
        /// The path from the leaf to the trust anchor, leaf first.
        case trusted(path: [Certificate])
        /// OpenSSL's verify error, the depth it occurred at (0 is the leaf) and the certificate there.
        case untrusted(error: VerifyError)
    }

    public struct VerifyError: Sendable, Equatable, CustomStringConvertible {
        /// OpenSSL's X509_V_ERR_* code.
        public let code: Int32
        /// OpenSSL's text for the code, e.g. "unable to get local issuer certificate".
        public let reason: String
        public let depth: Int
        /// Subject of the certificate at `depth`, when OpenSSL names one.
        public let subject: String?
        /// Its issuer's common name (else the whole issuer name): the certificate that could not be found.
        public let issuer: String?

        public var description: String { reason + (subject.map { " (at \($0))" } ?? "") }

        /// The leaf's issuer is neither sent nor trusted: the usual sign of a chain without its intermediate.
        public var isMissingIssuer: Bool {
            code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        }

        public var isSelfSigned: Bool {
            code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        }
    }

    public static func verify(
        _ leaf: Certificate, intermediates: [Certificate], trust: TrustStore, options: Options
    ) throws -> Outcome {
        OpenSSLErrorQueue.clear()
        guard let context = X509_STORE_CTX_new() else {
            throw CryptoError.openSSL(.verification, "cannot allocate an OpenSSL verification context")
        }
        defer { X509_STORE_CTX_free(context) }
        guard let untrusted = mc_sk_X509_new_null() else {
            throw CryptoError.openSSL(.verification, "cannot allocate an OpenSSL certificate stack")
        }
        defer { mc_sk_X509_free(untrusted) }
        for certificate in intermediates { _ = mc_sk_X509_push(untrusted, certificate.pointer) }
        guard X509_STORE_CTX_init(context, trust.pointer, leaf.pointer, untrusted) == 1,
            let parameters = X509_STORE_CTX_get0_param(context)
        else { throw CryptoError.openSSL(.verification, "cannot start verifying \(leaf.subject)") }
        var flags = UInt(0)
        if !options.checkTime { flags |= UInt(X509_V_FLAG_NO_CHECK_TIME) }
        if options.partialChain { flags |= UInt(X509_V_FLAG_PARTIAL_CHAIN) }
        X509_VERIFY_PARAM_set_flags(parameters, flags)
        // Setting a time switches time checks back on (OpenSSL prefers USE_CHECK_TIME over NO_CHECK_TIME).
        if options.checkTime { X509_VERIFY_PARAM_set_time(parameters, time_t(options.now.timeIntervalSince1970)) }
        let verified = X509_verify_cert(context) == 1
        defer { OpenSSLErrorQueue.clear() }
        guard verified else {
            let code = X509_STORE_CTX_get_error(context)
            let current = X509_STORE_CTX_get_current_cert(context).map { Certificate(retaining: $0) }
            return .untrusted(
                error: VerifyError(
                    code: code, reason: String(cString: X509_verify_cert_error_string(Int(code))),
                    depth: Int(X509_STORE_CTX_get_error_depth(context)), subject: current?.subject,
                    issuer: current.map { $0.issuerCommonName ?? $0.issuer }))
        }
        guard let chain = X509_STORE_CTX_get1_chain(context) else { return .trusted(path: [leaf]) }
        defer { mc_sk_X509_pop_free(chain) }
        let path = (0..<mc_sk_X509_num(chain)).compactMap { mc_sk_X509_value(chain, $0) }.map {
            Certificate(retaining: $0)
        }
        return .trusted(path: path)
    }
}
