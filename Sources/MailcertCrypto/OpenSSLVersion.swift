import COpenSSL

/// The OpenSSL library mailcert runs on, for `--version` and bug reports.
public enum OpenSSLVersion {
    public static var text: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }
}
