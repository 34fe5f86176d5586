#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A configuration file's text, read with POSIX calls so that each way of failing gets its
/// own reason: missing, unreadable, a directory, too large, not UTF-8.
enum ConfigurationFile {
    static func text(at path: String, maximumBytes: Int = YAMLBounds.maximumBytes) throws(ConfigurationError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot open the file", errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, "cannot read the file", errno) }
        if info.st_mode & S_IFMT == S_IFDIR { throw ConfigurationError(description: "\(path): is a directory, not a configuration file") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot read the file", errno)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > maximumBytes {
                throw ConfigurationError(description: "\(path): more than \(maximumBytes) bytes, more than a configuration may have")
            }
        }
        if let offset = firstInvalidUTF8(in: bytes) {
            throw ConfigurationError(description: "\(path): not UTF-8 text (an invalid byte at offset \(offset))")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func failure(_ path: String, _ what: String, _ code: Int32) -> ConfigurationError {
        ConfigurationError(description: "\(path): \(what): \(String(cString: strerror(code)))")
    }

    /// The offset of the first byte that does not decode as UTF-8, if any.
    static func firstInvalidUTF8(in bytes: [UInt8]) -> Int? {
        var decoder = UTF8()
        var iterator = CountingIterator(base: bytes.makeIterator())
        var start = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: start = iterator.consumed
            case .emptyInput: return nil
            case .error: return start
            }
        }
    }

    private struct CountingIterator: IteratorProtocol {
        var base: IndexingIterator<[UInt8]>
        var consumed = 0
        mutating func next() -> UInt8? {
            guard let byte = base.next() else { return nil }
            consumed += 1
            return byte
        }
    }
}
