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
        /// A `Vector` value: an embedding's coordinates.
        case vector([Double])
    }

    /// The message's wire bytes.
    public static func encode(
        model: String, modelVersion: String = "", requestID: String = "", eventTimeMilliseconds: Int64 = 0,
        features: [(name: String, value: Value)], predictions: [(name: String, value: Value)] = [], label: Value? = nil
    ) -> [UInt8] {
        var strings: [UnsafeMutablePointer<CChar>] = []
        func copy(_ text: String) -> UnsafeMutablePointer<CChar> {
            let pointer = strdup(text)!
            strings.append(pointer)
            return pointer
        }
        let count = features.count + predictions.count + 1
        let values = UnsafeMutablePointer<Driftwatch__V1__Value>.allocate(capacity: count)
        let vectors = UnsafeMutablePointer<Driftwatch__V1__Vector>.allocate(capacity: count)
        var coordinates: [UnsafeMutablePointer<Double>] = []
        let entries = UnsafeMutablePointer<Driftwatch__V1__InferenceLog__FeaturesEntry>.allocate(capacity: max(features.count, 1))
        let entryPointers = UnsafeMutablePointer<UnsafeMutablePointer<Driftwatch__V1__InferenceLog__FeaturesEntry>?>
            .allocate(capacity: max(features.count, 1))
        let outputs = UnsafeMutablePointer<Driftwatch__V1__InferenceLog__PredictionsEntry>.allocate(capacity: max(predictions.count, 1))
        let outputPointers = UnsafeMutablePointer<UnsafeMutablePointer<Driftwatch__V1__InferenceLog__PredictionsEntry>?>
            .allocate(capacity: max(predictions.count, 1))
        defer {
            for pointer in strings { free(pointer) }
            for pointer in coordinates { pointer.deallocate() }
            values.deallocate()
            vectors.deallocate()
            entries.deallocate()
            entryPointers.deallocate()
            outputs.deallocate()
            outputPointers.deallocate()
        }
        func set(_ index: Int, _ value: Value) -> UnsafeMutablePointer<Driftwatch__V1__Value> {
            driftwatch__v1__value__init(values + index)
            switch value {
            case .number(let number):
                values[index].kind_case = DRIFTWATCH__V1__VALUE__KIND_NUMBER
                values[index].number = number
            case .category(let text):
                values[index].kind_case = DRIFTWATCH__V1__VALUE__KIND_CATEGORY
                values[index].category = copy(text)
            case .flag(let flag):
                values[index].kind_case = DRIFTWATCH__V1__VALUE__KIND_FLAG
                values[index].flag = flag ? 1 : 0
            case .vector(let numbers):
                driftwatch__v1__vector__init(vectors + index)
                let buffer = UnsafeMutablePointer<Double>.allocate(capacity: max(numbers.count, 1))
                buffer.initialize(from: numbers, count: numbers.count)
                coordinates.append(buffer)
                vectors[index].n_values = numbers.count
                vectors[index].values = buffer
                values[index].kind_case = DRIFTWATCH__V1__VALUE__KIND_VECTOR
                values[index].vector = vectors + index
            }
            return values + index
        }
        for (i, feature) in features.enumerated() {
            driftwatch__v1__inference_log__features_entry__init(entries + i)
            entries[i].key = copy(feature.name)
            entries[i].value = set(i, feature.value)
            entryPointers[i] = entries + i
        }
        for (i, prediction) in predictions.enumerated() {
            driftwatch__v1__inference_log__predictions_entry__init(outputs + i)
            outputs[i].key = copy(prediction.name)
            outputs[i].value = set(features.count + i, prediction.value)
            outputPointers[i] = outputs + i
        }
        var log = Driftwatch__V1__InferenceLog()
        driftwatch__v1__inference_log__init(&log)
        log.model = copy(model)
        log.model_version = copy(modelVersion)
        log.request_id = copy(requestID)
        log.event_time_ms = eventTimeMilliseconds
        log.n_features = features.count
        log.features = entryPointers
        log.n_predictions = predictions.count
        log.predictions = outputPointers
        if let label { log.label = set(count - 1, label) }
        var bytes = [UInt8](repeating: 0, count: driftwatch__v1__inference_log__get_packed_size(&log))
        _ = bytes.withUnsafeMutableBufferPointer { driftwatch__v1__inference_log__pack(&log, $0.baseAddress) }
        return bytes
    }
}
