import Foundation

/// RFC 7468 textual encoding: the blocks of a PEM file, decoded, with errors that say which block is broken.
public enum PEM {
    /// One `-----BEGIN LABEL-----` … `-----END LABEL-----` block.
    public struct Block: Equatable, Sendable {
        public let label: String
        public let der: [UInt8]
    }

    /// True when the bytes look like PEM text rather than binary DER.
    public static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.count >= marker.count else { return false }
        for start in 0...(bytes.count - marker.count) where bytes[start] == marker[0] {
            if Array(bytes[start..<start + marker.count]) == marker { return true }
        }
        return false
    }

    /// Every block in `bytes`, in order. Text outside blocks (such as `openssl x509 -text` output) is ignored;
    /// a block without its END line, with a mismatched END label, or with a body that is not base64 is an error.
    public static func blocks(in bytes: [UInt8]) throws -> [Block] {
        let text = String(decoding: bytes, as: UTF8.self)
        var result: [Block] = []
        var current: (label: String, body: String)?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            // Windows editors start files with a byte-order mark; it is not part of any line's text.
            let line = rawLine.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}")))
            if let label = delimiterLabel(line, kind: "BEGIN") {
                if let current {
                    throw CryptoError(.malformedPEM, "PEM block \(result.count + 1) (\(current.label)) has no END line")
                }
                current = (label, "")
            } else if let label = delimiterLabel(line, kind: "END") {
                guard let open = current else {
                    throw CryptoError(.malformedPEM, "PEM END line for \(label) has no BEGIN line")
                }
                guard open.label == label else {
                    throw CryptoError(
                        .malformedPEM, "PEM block \(result.count + 1) begins as \(open.label) but ends as \(label)")
                }
                guard let der = Data(base64Encoded: open.body), !der.isEmpty else {
                    throw CryptoError(.malformedPEM, "PEM block \(result.count + 1) (\(label)) is not valid base64")
                }
                result.append(Block(label: label, der: Array(der)))
                current = nil
            } else if current != nil {
                current!.body += line
            }
        }
        if let current {
            throw CryptoError(.malformedPEM, "PEM block \(result.count + 1) (\(current.label)) has no END line")
        }
        return result
    }

    /// Encodes DER as one PEM block with 64-character lines.
    public static func encode(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }

    private static func delimiterLabel(_ line: String, kind: String) -> String? {
        let prefix = "-----\(kind) "
        guard line.hasPrefix(prefix), line.hasSuffix("-----"), line.count >= prefix.count + 5 else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(5))
    }
}
