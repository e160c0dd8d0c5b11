@testable import MailcertCheck

/// Delivers a server's bytes in chosen pieces (a byte at a time, or all at once), then reports a close: the line
/// reader must not care how the network split them. A script, because no real server splits replies on request.
final class ScriptedByteSource: ByteSource {
    private var pieces: [[UInt8]]
    let peer = "scripted"

    init(_ text: String, pieceSize: Int) {
        let bytes = Array(text.utf8)
        pieces = stride(from: 0, to: bytes.count, by: pieceSize).map {
            Array(bytes[$0..<min($0 + pieceSize, bytes.count)])
        }
    }

    func receive(maximum: Int, deadline: Deadline) throws -> [UInt8] {
        pieces.isEmpty ? [] : pieces.removeFirst()
    }
}
