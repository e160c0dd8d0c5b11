import Foundation
import FuzzSupport
import SMTPProtocol

/// libFuzzer entry: the input is a client's byte stream, prefixed by two bytes that choose the session set-up and the
/// points where the stream is cut into reads (see `FuzzInput`). Every invariant `HarnessRun` checks traps on failure.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    // Once in reads cut where the fuzzer chose, once a byte at a time: where the first leaves DATA or hands off to
    // TLS is known only up to a read, the second pins it to the byte.
    var chunked = HarnessRun(input, byteByByte: false)
    chunked.run(chunks: input.chunks())
    var byByte = HarnessRun(input, byteByByte: true)
    byByte.run(chunks: input.stream.map { [$0] })
    // The split must not change what the session does, up to STARTTLS (after it, the chunked run throws away what
    // was pipelined behind the command, the byte-by-byte one never has anything to throw away).
    let a = chunked.log.prefix { !$0.hasPrefix("starttls") }
    let b = byByte.log.prefix { !$0.hasPrefix("starttls") }
    require(a == b, "the actions depend on how the input was split:\n\(a)\n---\n\(b)")
    return 0
}

exit(runLibFuzzer(fuzz))
