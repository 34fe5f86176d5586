import FoundationEssentials
import NIOSSL
import Synchronization

/// The webhook's TLS certificate and key, read again when the certificate file changes
/// (cert-manager renews the Secret in place; the kubelet swaps the mounted files).
final class ServingCertificate: Sendable {
    let certificatePath: String
    let keyPath: String
    private let current: Mutex<(modified: Date, context: NIOSSLContext)>

    init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        current = Mutex((Self.modified(certificatePath), try Self.load(certificatePath, keyPath)))
    }

    /// The TLS context for a new connection: the last one loaded, or a new one if the
    /// certificate changed since (a failed reload keeps the old one).
    func context() -> NIOSSLContext {
        let modified = Self.modified(certificatePath)
        return current.withLock { current in
            if modified != current.modified, let fresh = try? Self.load(certificatePath, keyPath) {
                current = (modified, fresh)
            }
            return current.context
        }
    }

    private static func modified(_ path: String) -> Date {
        (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
    }

    private static func load(_ certificatePath: String, _ keyPath: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }
}
