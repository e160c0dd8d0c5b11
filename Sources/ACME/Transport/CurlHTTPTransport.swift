import CMailcertShims
import CCurl
import Dispatch
import Foundation
import Synchronization

/// HTTPS through the system libcurl (built on the system OpenSSL).
///
/// Easy handles are pooled and reused, so connections to the CA stay open across the ~10 requests of an order.
/// `caBundle` adds trust for a test or private CA: libcurl takes it as its CA file and keeps the system roots
/// through the hashed directory /etc/ssl/certs (Debian's layout; where that directory is missing, only the
/// bundle is trusted).
public final class CurlHTTPTransport: HTTPTransport {
    /// Larger answers are refused: no ACME resource comes near this, and certificate chains are a few KiB.
    public static let maximumBodySize = 1 << 20

    private let caBundle: String?
    private let userAgent: String
    private let idle = Mutex<[CurlHandle]>([])
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(caBundle: String?, userAgent: String) {
        _ = Self.globalInit
        self.caBundle = caBundle
        self.userAgent = userAgent
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }

    /// The libcurl version line ("libcurl/7.88.1 OpenSSL/3.0.19 ...").
    public static var version: String { String(cString: mc_curl_version()) }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.perform(request) })
            }
        }
    }

    private func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        let handle: UnsafeMutableRawPointer? = idle.withLock { $0.popLast()?.pointer } ?? curl_easy_init()
        guard let handle else { throw ACMEError(.transport, "libcurl could not allocate a handle for \(request.url)") }
        var healthy = false
        defer {
            if healthy { idle.withLock { $0.append(CurlHandle(pointer: handle)) } } else { curl_easy_cleanup(handle) }
        }
        curl_easy_reset(handle)
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        headerList = curl_slist_append(headerList, "Expect:")

        let code: CURLcode = withExtendedLifetime(sink) {
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                _ = mc_curl_easy_setopt_string(handle, CURLOPT_URL, request.url)
                _ = mc_curl_easy_setopt_string(handle, CURLOPT_USERAGENT, userAgent)
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errors.baseAddress))
                _ = mc_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                _ = mc_curl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 15)
                _ = mc_curl_easy_setopt_long(handle, CURLOPT_TIMEOUT, 60)
                _ = mc_curl_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
                _ = mc_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                if let caBundle {
                    _ = mc_curl_easy_setopt_string(handle, CURLOPT_CAINFO, caBundle)
                    _ = mc_curl_easy_setopt_string(handle, CURLOPT_CAPATH, "/etc/ssl/certs")
                }
                switch request.method {
                case "HEAD": _ = mc_curl_easy_setopt_long(handle, CURLOPT_NOBODY, 1)
                case "POST":
                    let body = request.body ?? []
                    _ = mc_curl_easy_setopt_long(handle, CURLOPT_POST, 1)
                    _ = mc_curl_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
                    _ = mc_curl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, String(decoding: body, as: UTF8.self))
                default: _ = mc_curl_easy_setopt_long(handle, CURLOPT_HTTPGET, 1)
                }
                _ = mc_curl_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
                    return sink.appendBody(data, size * count)
                }
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
                _ = mc_curl_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                    let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
                    return sink.appendHeader(data, size * count)
                }
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)
                let code = curl_easy_perform(handle)
                // The handle outlives this closure (it is pooled): leave it no pointer into memory that dies here.
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
                _ = mc_curl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, nil)
                return code
            }
        }
        guard code == CURLE_OK else {
            if sink.overflowed {
                throw ACMEError(.oversizedResponse, "\(request.method) \(request.url): the answer is larger than \(Self.maximumBodySize) bytes; refused")
            }
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            let isTLS = [CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR].contains(code)
            throw ACMEError(
                isTLS ? .untrustedServer : .transport,
                "\(request.method) \(request.url): \(reason)"
                    + (code == CURLE_PEER_FAILED_VERIFICATION ? " (the CA's HTTPS certificate is not trusted; for a private or test CA pass its root with --ca-bundle)" : ""))
        }
        var status = 0
        _ = mc_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        healthy = true
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}

/// A libcurl easy handle between requests; only one request uses it at a time.
private struct CurlHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// Collects one response; touched only by the libcurl thread performing it.
private final class ResponseSink: @unchecked Sendable {
    var body: [UInt8] = []
    var headers: [String: [String]] = [:]
    var overflowed = false

    func appendBody(_ data: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        guard let data, length > 0 else { return 0 }
        guard body.count + length <= CurlHTTPTransport.maximumBodySize else {
            overflowed = true
            return 0  // makes libcurl stop with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) { body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
        return length
    }

    func appendHeader(_ data: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        guard let data else { return 0 }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers = [:]  // a new response (after 100 Continue): forget the interim one
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name, default: []].append(value)
        }
        return length
    }
}
