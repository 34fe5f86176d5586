import InferenceProto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `driftwatch.v1.InferenceLog` messages with the committed protoc-c code, for
/// producers (the demo, `produce --format protobuf`) and as an independent check of the
/// decoder. Allocates per message: not for the agent's hot path.
public enum InferenceLogEncoder {
    public enum Value: Sendable, Hashable {
        case number(Double)
        case category(String)
        case flag(Bool)
    }

    /// The message's wire bytes.
    public static func encode(
        model: String, modelVersion: String = "", requestID: String = "", eventTimeMilliseconds: Int64 = 0,
        features: [(name: String, value: Value)]
    ) -> [UInt8] {
        var strings: [UnsafeMutablePointer<CChar>] = []
        func copy(_ text: String) -> UnsafeMutablePointer<CChar> {
            let pointer = strdup(text)!
            strings.append(pointer)
            return pointer
        }
        defer { for pointer in strings { free(pointer) } }

        let values = UnsafeMutablePointer<Driftwatch__V1__Value>.allocate(capacity: max(features.count, 1))
        let entries = UnsafeMutablePointer<Driftwatch__V1__InferenceLog__FeaturesEntry>.allocate(capacity: max(features.count, 1))
        let entryPointers = UnsafeMutablePointer<UnsafeMutablePointer<Driftwatch__V1__InferenceLog__FeaturesEntry>?>
            .allocate(capacity: max(features.count, 1))
        defer {
            values.deallocate()
            entries.deallocate()
            entryPointers.deallocate()
        }
        for (i, feature) in features.enumerated() {
            driftwatch__v1__value__init(values + i)
            switch feature.value {
            case .number(let number):
                values[i].kind_case = DRIFTWATCH__V1__VALUE__KIND_NUMBER
                values[i].number = number
            case .category(let text):
                values[i].kind_case = DRIFTWATCH__V1__VALUE__KIND_CATEGORY
                values[i].category = copy(text)
            case .flag(let flag):
                values[i].kind_case = DRIFTWATCH__V1__VALUE__KIND_FLAG
                values[i].flag = flag ? 1 : 0
            }
            driftwatch__v1__inference_log__features_entry__init(entries + i)
            entries[i].key = copy(feature.name)
            entries[i].value = values + i
            entryPointers[i] = entries + i
        }
        var log = Driftwatch__V1__InferenceLog()
        driftwatch__v1__inference_log__init(&log)
        log.model = copy(model)
        log.model_version = copy(modelVersion)
        log.request_id = copy(requestID)
        log.event_time_ms = eventTimeMilliseconds
        log.n_features = features.count
        log.features = entryPointers
        var bytes = [UInt8](repeating: 0, count: driftwatch__v1__inference_log__get_packed_size(&log))
        _ = bytes.withUnsafeMutableBufferPointer { driftwatch__v1__inference_log__pack(&log, $0.baseAddress) }
        return bytes
    }
}
