import Foundation

/// A certificate and its key made by openssl for one day, for the tests that speak TLS to a
/// real server (the injector's webhook, an https retraining webhook).
public enum SelfSignedCertificate {
    /// Writes `tls.crt` and `tls.key` into `directory`.
    /// - Parameter alternativeNames: the subjectAltName entries, e.g. `DNS:localhost`, `IP:127.0.0.1`.
    /// - Returns: the certificate's and the key's files.
    @discardableResult
    public static func make(in directory: URL, commonName: String, alternativeNames: [String]) throws -> (certificate: URL, key: URL) {
        let certificate = directory.appendingPathComponent("tls.crt")
        let key = directory.appendingPathComponent("tls.key")
        let made = try ChildProcess.run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", key.path, "-out", certificate.path,
            "-subj", "/CN=\(commonName)", "-addext", "subjectAltName=" + alternativeNames.joined(separator: ","),
        ])
        guard made.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: made.errors]) }
        return (certificate, key)
    }
}
