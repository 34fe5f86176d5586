import InferenceProto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes Open Inference Protocol `ModelInferRequest` / `ModelInferResponse` messages (as
/// Seldon Core v2 puts them on its topics) with the committed protoc-c code, for the demo
/// and as an encoder independent of the decoder. Allocates per message: not a hot path.
public enum ModelInferEncoder {
    /// A tensor's values, flattened row-major.
    public enum Values: Sendable, Hashable {
        case fp64([Double])
        case fp32([Float])
        case int64([Int64])
        case int32([Int32])
        case bool([Bool])
        case bytes([String])

        var datatype: String {
            switch self {
            case .fp64: "FP64"
            case .fp32: "FP32"
            case .int64: "INT64"
            case .int32: "INT32"
            case .bool: "BOOL"
            case .bytes: "BYTES"
            }
        }

        /// Little-endian raw contents (BYTES with 4-byte length prefixes).
        var raw: [UInt8] {
            var bytes: [UInt8] = []
            func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
            switch self {
            case .fp64(let values): for value in values { append(value.bitPattern) }
            case .fp32(let values): for value in values { append(value.bitPattern) }
            case .int64(let values): for value in values { append(value) }
            case .int32(let values): for value in values { append(value) }
            case .bool(let values): bytes = values.map { $0 ? 1 : 0 }
            case .bytes(let values):
                for value in values {
                    append(UInt32(value.utf8.count))
                    bytes.append(contentsOf: value.utf8)
                }
            }
            return bytes
        }
    }

    public struct Tensor: Sendable, Hashable {
        public var name: String
        public var shape: [Int64]
        public var values: Values

        public init(name: String, shape: [Int64], values: Values) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// A `ModelInferRequest`; `raw` puts the values in `raw_input_contents` instead of `contents`.
    public static func request(model: String, id: String, inputs: [Tensor], raw: Bool = false) -> [UInt8] {
        let arena = Arena()
        defer { arena.release() }
        let tensors = arena.array(of: UnsafeMutablePointer<Inference__ModelInferRequest__InferInputTensor>?.self, count: inputs.count)
        for (i, input) in inputs.enumerated() {
            let tensor = arena.array(of: Inference__ModelInferRequest__InferInputTensor.self, count: 1)
            inference__model_infer_request__infer_input_tensor__init(tensor)
            tensor.pointee.name = arena.string(input.name)
            tensor.pointee.datatype = arena.string(input.values.datatype)
            tensor.pointee.n_shape = input.shape.count
            tensor.pointee.shape = arena.copy(input.shape)
            if !raw { tensor.pointee.contents = arena.contents(input.values) }
            tensors[i] = tensor
        }
        var message = Inference__ModelInferRequest()
        inference__model_infer_request__init(&message)
        message.model_name = arena.string(model)
        message.id = arena.string(id)
        message.n_inputs = inputs.count
        message.inputs = tensors
        if raw {
            message.n_raw_input_contents = inputs.count
            message.raw_input_contents = arena.copy(inputs.map { arena.binary($0.values.raw) })
        }
        var bytes = [UInt8](repeating: 0, count: inference__model_infer_request__get_packed_size(&message))
        _ = bytes.withUnsafeMutableBufferPointer { inference__model_infer_request__pack(&message, $0.baseAddress) }
        return bytes
    }

    /// A `ModelInferResponse`; `raw` puts the values in `raw_output_contents` instead of `contents`.
    public static func response(model: String, id: String, outputs: [Tensor], raw: Bool = false) -> [UInt8] {
        let arena = Arena()
        defer { arena.release() }
        let tensors = arena.array(of: UnsafeMutablePointer<Inference__ModelInferResponse__InferOutputTensor>?.self, count: outputs.count)
        for (i, output) in outputs.enumerated() {
            let tensor = arena.array(of: Inference__ModelInferResponse__InferOutputTensor.self, count: 1)
            inference__model_infer_response__infer_output_tensor__init(tensor)
            tensor.pointee.name = arena.string(output.name)
            tensor.pointee.datatype = arena.string(output.values.datatype)
            tensor.pointee.n_shape = output.shape.count
            tensor.pointee.shape = arena.copy(output.shape)
            if !raw { tensor.pointee.contents = arena.contents(output.values) }
            tensors[i] = tensor
        }
        var message = Inference__ModelInferResponse()
        inference__model_infer_response__init(&message)
        message.model_name = arena.string(model)
        message.id = arena.string(id)
        message.n_outputs = outputs.count
        message.outputs = tensors
        if raw {
            message.n_raw_output_contents = outputs.count
            message.raw_output_contents = arena.copy(outputs.map { arena.binary($0.values.raw) })
        }
        var bytes = [UInt8](repeating: 0, count: inference__model_infer_response__get_packed_size(&message))
        _ = bytes.withUnsafeMutableBufferPointer { inference__model_infer_response__pack(&message, $0.baseAddress) }
        return bytes
    }

    /// C memory for one message, freed together.
    private final class Arena {
        private var blocks: [UnsafeMutableRawPointer] = []
        private var strings: [UnsafeMutablePointer<CChar>] = []

        func array<T>(of type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
            blocks.append(pointer)
            return pointer.bindMemory(to: T.self, capacity: max(count, 1))
        }

        func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
            let pointer = array(of: T.self, count: values.count)
            for (i, value) in values.enumerated() { (pointer + i).initialize(to: value) }
            return pointer
        }

        func string(_ text: String) -> UnsafeMutablePointer<CChar> {
            let pointer = strdup(text)!
            strings.append(pointer)
            return pointer
        }

        func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
            ProtobufCBinaryData(len: bytes.count, data: copy(bytes))
        }

        func contents(_ values: Values) -> UnsafeMutablePointer<Inference__InferTensorContents> {
            let contents = array(of: Inference__InferTensorContents.self, count: 1)
            inference__infer_tensor_contents__init(contents)
            switch values {
            case .fp64(let values):
                contents.pointee.n_fp64_contents = values.count
                contents.pointee.fp64_contents = copy(values)
            case .fp32(let values):
                contents.pointee.n_fp32_contents = values.count
                contents.pointee.fp32_contents = copy(values)
            case .int64(let values):
                contents.pointee.n_int64_contents = values.count
                contents.pointee.int64_contents = copy(values)
            case .int32(let values):
                contents.pointee.n_int_contents = values.count
                contents.pointee.int_contents = copy(values)
            case .bool(let values):
                contents.pointee.n_bool_contents = values.count
                contents.pointee.bool_contents = copy(values.map { $0 ? 1 : 0 })
            case .bytes(let values):
                contents.pointee.n_bytes_contents = values.count
                contents.pointee.bytes_contents = copy(values.map { binary(Array($0.utf8)) })
            }
            return contents
        }

        func release() {
            for block in blocks { block.deallocate() }
            for string in strings { free(string) }
        }
    }
}
