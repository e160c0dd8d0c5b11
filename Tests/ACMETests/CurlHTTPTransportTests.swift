import ACME
import Foundation
import MailcertTestSupport
import Testing

@Suite("libcurl transport")
struct CurlHTTPTransportTests {
    @Test("an answer over 1 MiB is refused instead of read (a CA's answer is untrusted input)")
    func oversizedBody() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("big", Data(repeating: 0x41, count: 2 << 20))
        try directory.write("small", "{}")
        let port = FreePort.pick()
        let server = try BackgroundProcess(
            "python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", directory.url.path, String(port)],
            log: directory.path("http.log"))
        defer { server.stop() }
        try FreePort.waitUntilListening(port)
        let transport = CurlHTTPTransport(caBundle: nil, userAgent: "mailcert-test")
        let small = try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/small"))
        #expect(small.status == 200 && small.body == Array("{}".utf8))
        let error = await #expect(throws: ACMEError.self) {
            try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/big"))
        }
        #expect(error?.code == .oversizedResponse)
        // The pool recovers: the next request on the same transport works.
        #expect(try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/small")).status == 200)
    }

    @Test("a refused connection names the URL")
    func refused() async throws {
        let port = FreePort.pick()
        let error = await #expect(throws: ACMEError.self) {
            try await CurlHTTPTransport(caBundle: nil, userAgent: "t").send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/dir"))
        }
        #expect(error?.code == .transport)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
    }
}
