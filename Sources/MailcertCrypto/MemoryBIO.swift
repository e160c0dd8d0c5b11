import CMailcertShims
import COpenSSL

/// An owned OpenSSL memory BIO: the bridge between Swift byte arrays and OpenSSL's encoders and decoders.
final class MemoryBIO {
    let pointer: OpaquePointer

    /// An empty BIO to write into.
    init() throws {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw CryptoError.openSSL(.encoding, "cannot allocate an OpenSSL memory buffer")
        }
        pointer = bio
    }

    /// A BIO holding a copy of `bytes`, to read from.
    convenience init(_ bytes: [UInt8]) throws {
        try self.init()
        if !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { BIO_write(pointer, $0.baseAddress, Int32($0.count)) }
            guard written == Int32(bytes.count) else {
                throw CryptoError.openSSL(.encoding, "cannot fill an OpenSSL memory buffer")
            }
        }
    }

    deinit { BIO_free(pointer) }

    /// Everything written to the BIO so far.
    var bytes: [UInt8] {
        var data: UnsafeMutablePointer<CChar>?
        let length = mc_BIO_get_mem_data(pointer, &data)
        guard length > 0, let data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
