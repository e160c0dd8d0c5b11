import Foundation
import MailcertSystem
import Testing

@Suite("Endpoint")
struct EndpointTests {
    @Test(
        "parses every accepted form",
        arguments: [
            ("mx.example.com", "mx.example.com", 25),
            ("mx.example.com:587", "mx.example.com", 587),
            ("127.0.0.1", "127.0.0.1", 25),
            ("127.0.0.1:2525", "127.0.0.1", 2525),
            ("[::1]", "::1", 25),
            ("[::1]:465", "::1", 465),
            ("::1", "::1", 25),
            ("2001:db8::1", "2001:db8::1", 25),
            ("fe80::1%eth0", "fe80::1%eth0", 25),
            ("[fe80::1%eth0]:5353", "fe80::1%eth0", 5353),
            ("h:1", "h", 1),
            ("h:65535", "h", 65535),
        ])
    func parses(input: String, host: String, port: Int) throws {
        let endpoint = try Endpoint.parse(input, defaultPort: 25)
        #expect(endpoint == Endpoint(host: host, port: port))
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
    }

    @Test(
        "formats with brackets only around IPv6, and reads back what it wrote",
        arguments: [
            (Endpoint(host: "127.0.0.1", port: 25), "127.0.0.1:25"),
            (Endpoint(host: "mx.example.com", port: 587), "mx.example.com:587"),
            (Endpoint(host: "::1", port: 465), "[::1]:465"),
            (Endpoint(host: "2001:db8::1", port: 25), "[2001:db8::1]:25"),
        ])
    func formats(endpoint: Endpoint, text: String) throws {
        #expect(endpoint.description == text)
        #expect(try Endpoint.parse(text, defaultPort: 1) == endpoint)
    }

    @Test("a bracketed host is stored without its brackets")
    func bracketsDropped() {
        let endpoint = Endpoint(host: "[2001:db8::1]", port: 25)
        #expect(endpoint.host == "2001:db8::1")
        #expect(endpoint.description == "[2001:db8::1]:25")
    }

    @Test(
        "every error names the input and what is wrong",
        arguments: [
            ("", EndpointError.Problem.noHost, ": no host"),
            (":25", .noHost, ":25: no host"),
            ("[]:25", .noHost, "[]:25: no host"),
            ("[::1", .missingBracket, "[::1: missing ']'"),
            ("[::1]x", .expectedBracketedPort, "[::1]x: expected [ADDRESS]:PORT"),
            ("[::1]:smtp", .expectedBracketedPort, "[::1]:smtp: expected [ADDRESS]:PORT"),
            ("[::1]:", .expectedBracketedPort, "[::1]:: expected [ADDRESS]:PORT"),
            ("mx:smtp", .portNotNumber, "mx:smtp: the port must be a number"),
            ("mx:", .portNotNumber, "mx:: the port must be a number"),
            ("mx:0", .portOutOfRange, "mx:0: the port must be between 1 and 65535"),
            ("mx:65536", .portOutOfRange, "mx:65536: the port must be between 1 and 65535"),
            ("[::1]:70000", .portOutOfRange, "[::1]:70000: the port must be between 1 and 65535"),
        ])
    func errors(input: String, problem: EndpointError.Problem, message: String) {
        #expect(throws: EndpointError(input, problem)) { try Endpoint.parse(input, defaultPort: 25) }
        #expect(EndpointError(input, problem).description == message)
    }

    @Test("a default port out of range is refused like a written one")
    func defaultPortChecked() {
        #expect(throws: EndpointError("mx", .portOutOfRange)) { try Endpoint.parse("mx", defaultPort: 0) }
    }

    @Test("split keeps the port text as written, for readers with rules of their own")
    func split() throws {
        #expect(try Endpoint.split("10.0.0.1:+53") == ("10.0.0.1", "+53"))
        #expect(try Endpoint.split("[::1]:") == ("::1", ""))
        #expect(try Endpoint.split("::1") == ("::1", nil))
        #expect(throws: EndpointError("[::1", .missingBracket)) { try Endpoint.split("[::1") }
    }

    @Test("JSON holds one HOST:PORT string")
    func codable() throws {
        let endpoints = [Endpoint(host: "127.0.0.1", port: 25), Endpoint(host: "::1", port: 2525)]
        let json = String(decoding: try JSONEncoder().encode(endpoints), as: UTF8.self)
        #expect(json == #"["127.0.0.1:25","[::1]:2525"]"#)
        #expect(try JSONDecoder().decode([Endpoint].self, from: Data(json.utf8)) == endpoints)
    }

    @Test("JSON without a port, or with a bad one, is refused", arguments: [#""mx""#, #""mx:0""#, #""[::1""#, "25"])
    func codableErrors(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Endpoint.self, from: Data(json.utf8)) }
    }
}
