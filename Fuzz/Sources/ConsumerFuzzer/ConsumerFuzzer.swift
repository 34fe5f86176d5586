import FuzzerDriver
import KafkaIO
import Logging

/// One input as the topic and the group id of a consumer on the mock cluster (split at the
/// first NUL byte; no NUL: group `g`): a consumer is created and closed, or an error thrown.
/// A refused subscription once freed librdkafka's queue, handle and context twice, and an empty
/// group id dereferenced a NULL queue: AddressSanitizer reports either, any signal is a finding.
enum ConsumerFuzzer {
    static let cluster = try? MockCluster()
    static let logger: Logger = {
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        return logger
    }()

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let cluster else { return }
        let split = bytes.firstIndex(of: 0)
        let topic = String(decoding: bytes[..<(split ?? bytes.count)], as: UTF8.self)
        let group = split.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) } ?? "g"
        do {
            let consumer = try KafkaConsumer(
                configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: group, topics: [topic], logger: logger)
            consumer.close()
        } catch {
            // The expected answer to a name librdkafka refuses.
        }
    }
}

@main
struct ConsumerFuzzerMain {
    static func main() {
        runFuzzer(fuzz)
    }
}

/// The callback libFuzzer calls with each input (also exported under its conventional name).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ConsumerFuzzer.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
