// swift-tools-version:6.0
import PackageDescription

/// Layers point one way: C modules -> MailcertSystem -> MailcertCrypto -> ACME, DNS, check, SMTPServer -> MailcertCore
/// -> MailcertServe -> MailcertCLI -> mailcert.
/// Only MailcertCrypto touches OpenSSL pointers; only MailcertCLI reads flags and the environment.
/// Every target lists exactly the modules it imports; test targets also list `mailcert`, the binary they run.
let package = Package(
    name: "mailcert",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mailcert", targets: ["mailcert"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "CMailcertShims",
            dependencies: ["COpenSSL", "CCurl"]
        ),
        /// Host:port values and the one way to start a child process, shared by every layer above (and the tests).
        .target(
            name: "MailcertSystem",
            dependencies: ["CMailcertShims"]
        ),
        .target(
            name: "MailcertCrypto",
            dependencies: ["COpenSSL", "CMailcertShims"]
        ),
        /// RFC 8555 client on libcurl; knows nothing of files or the command line.
        .target(
            name: "ACME",
            dependencies: [
                "MailcertSystem", "MailcertCrypto", "CCurl", "CMailcertShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        /// A small blocking DNS client (UDP, TCP on truncation): MX, A/AAAA and TLSA for the MX walk; DNS UPDATE
        /// (RFC 2136) signed with TSIG, whose HMAC comes from MailcertCrypto (no OpenSSL pointers here).
        .target(
            name: "MailcertDNS",
            dependencies: ["MailcertSystem", "MailcertCrypto"]
        ),
        /// Certificate checks (chain, names, expiry, DANE) and the remote STARTTLS probe. No ACME, no store:
        /// the listener may use it to verify a relay upstream.
        .target(
            name: "MailcertCheck",
            dependencies: ["MailcertSystem", "MailcertCrypto", "MailcertDNS"]
        ),
        /// ESMTP as a pure state machine (bytes in, actions out): no sockets, no TLS, no files.
        .target(name: "SMTPProtocol"),
        /// The bundled listener: SwiftNIO transport, TLS over memory BIOs, Maildir and relay delivery, hot reload.
        /// Never imports ACME or MailcertCore: it is given certificate files and reloads what it finds there.
        .target(
            name: "SMTPServer",
            dependencies: [
                "SMTPProtocol", "MailcertSystem", "MailcertCrypto", "MailcertCheck",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MailcertCore",
            dependencies: [
                "MailcertSystem", "ACME", "MailcertCrypto", "MailcertCheck", "MailcertDNS",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        /// The bundled listener assembled from the store: settings merged from flags and the config file, relay TLS,
        /// the run loop.
        .target(
            name: "MailcertServe",
            dependencies: [
                "MailcertSystem", "MailcertCrypto", "MailcertCore", "SMTPProtocol", "SMTPServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "MailcertCLI",
            dependencies: [
                "MailcertSystem",
                "MailcertCore",
                "MailcertCrypto",
                "MailcertCheck",
                "MailcertDNS",
                "ACME",
                "MailcertServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "mailcert",
            dependencies: ["MailcertCLI"]
        ),
        /// Helpers for tests only: subprocesses, temporary directories, a throwaway CA made with the openssl command.
        .target(
            name: "MailcertTestSupport",
            dependencies: ["MailcertSystem", "ACME", "MailcertCrypto"]
        ),
        .testTarget(
            name: "ACMETests",
            dependencies: ["ACME", "MailcertCore", "MailcertCrypto", "MailcertTestSupport"]
        ),
        .testTarget(
            name: "MailcertSystemTests",
            dependencies: ["MailcertSystem"]
        ),
        .testTarget(
            name: "MailcertCryptoTests",
            dependencies: ["MailcertCrypto", "MailcertTestSupport"]
        ),
        .testTarget(
            name: "MailcertDNSTests",
            dependencies: ["MailcertDNS", "MailcertCrypto", "MailcertTestSupport"]
        ),
        /// Checks against certificates minted in the test, and the probe against real servers on 127.0.0.1.
        .testTarget(
            name: "MailcertCheckTests",
            dependencies: ["MailcertCheck", "MailcertCrypto", "MailcertDNS", "MailcertTestSupport", "mailcert"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MailcertCoreTests",
            dependencies: [
                "MailcertCore", "ACME", "MailcertCheck", "MailcertCrypto", "MailcertSystem", "MailcertTestSupport",
            ]
        ),
        /// End to end against Debian's Pebble CA; run in CI always (a missing pebble fails there).
        .testTarget(
            name: "ACMEIntegrationTests",
            dependencies: ["MailcertTestSupport", "mailcert"]
        ),
        /// The state machine fed byte by byte and all at once.
        .testTarget(
            name: "SMTPProtocolTests",
            dependencies: ["SMTPProtocol"]
        ),
        /// A live listener on 127.0.0.1 driven by raw bytes, openssl s_client, swaks and smtplib.
        .testTarget(
            name: "SMTPServerTests",
            dependencies: [
                "SMTPServer", "SMTPProtocol", "MailcertCrypto", "MailcertCheck", "MailcertTestSupport", "mailcert",
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MailcertCLITests",
            dependencies: ["MailcertCrypto", "MailcertTestSupport", "mailcert"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

/// libFuzzer targets, one per parser (see Fuzz/README.md). Declared only when MAILCERT_FUZZ=1, so `swift build` and
/// `make test` never see them: they must be compiled with -sanitize=fuzzer, which SwiftPM cannot set per target.
if Context.environment["MAILCERT_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("SMTPSession", ["SMTPProtocol"]),
        ("DNSMessage", ["MailcertDNS"]),
        ("TLSARecord", ["MailcertDNS"]),
        ("ACMEWire", ["ACME"]),
        ("CertificateImport", ["MailcertCrypto", "MailcertCore"]),
        ("ServeConfig", ["MailcertServe"]),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/Support"))
    for target in fuzzTargets {
        package.products.append(.executable(name: "Fuzz\(target.name)", targets: ["Fuzz\(target.name)"]))
        package.targets.append(
            .executableTarget(
                name: "Fuzz\(target.name)", dependencies: ["FuzzSupport"] + target.dependencies, path: "Fuzz/\(target.name)",
                exclude: ["corpus", "fuzz.dict"]))
    }
}
