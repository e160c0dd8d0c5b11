import Foundation
import FuzzSupport
import MailcertCore
@testable import MailcertServe

/// libFuzzer entry: any bytes as `serve --config FILE`, parsed, checked and merged into the listener's settings the
/// way `serve` does (no flags, an empty store). A bad file must be an error message, never a trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? ServeConfigFile.parse(bytes, source: "fuzz.toml") else { return 0 }
    // A store that does not exist: named certificates are then reported missing, an error rather than a trap.
    let store = FileCertificateStore(paths: StatePaths(root: URL(fileURLWithPath: "/nonexistent/mailcert-fuzz")))
    _ = try? ServeSettings(overrides: ServeOverrides(), file: file, store: store)
    return 0
}

exit(runLibFuzzer(fuzz))
