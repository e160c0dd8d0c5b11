import Foundation
import FuzzSupport
@testable import ACME

/// libFuzzer entry: any bytes as the body of a CA's answer, decoded as every ACME resource with the client's own
/// decoder. A decode may fail, never trap; what decodes must encode and decode back to itself (RenewalInfo aside:
/// its dates are RFC 3339 text on the wire and the encoder writes numbers).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let body = Data(UnsafeBufferPointer(start: data, count: size))
    roundTrip(Directory.self, body)
    roundTrip(Account.self, body)
    roundTrip(Order.self, body)
    roundTrip(Authorization.self, body)
    roundTrip(Challenge.self, body)
    if let problem = roundTrip(Problem.self, body) { _ = problem.description }
    if let info = try? ACMEJSON.decoder.decode(RenewalInfo.self, from: body) {
        _ = info.suggestedWindow.start.timeIntervalSince(info.suggestedWindow.end)
    }
    return 0
}

@discardableResult
private func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ body: Data) -> T? {
    guard let value = try? ACMEJSON.decoder.decode(type, from: body) else { return nil }
    guard let encoded = try? JSONEncoder().encode(value) else { fatalError("\(type) decoded but does not encode") }
    let again = try? ACMEJSON.decoder.decode(type, from: encoded)
    require(again == value, "\(type) does not survive encode and decode: \(value)")
    return value
}

exit(runLibFuzzer(fuzz))
