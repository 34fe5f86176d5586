/// Confluent's schema-registry wire format, which Seldon Core 2.10 writes when a schema
/// registry is configured (seldon-core scheduler/pkg/kafka/gateway/worker.go serialises with
/// confluent-kafka-go's protobuf serializer): byte 0x00, the schema id as 4 bytes big-endian,
/// then the path of the message in its .proto file as zigzag varints, a count and the indexes,
/// the common path [0] written as the single byte 0x00; then the protobuf message.
///
/// A protobuf message never starts with 0x00 (field number 0 is invalid), so the first byte
/// tells a framed value from a bare one.
enum SchemaRegistryFrame {
    /// Where the message starts in `record`: 0 for a bare message, past the frame for a framed one.
    static func messageStart(of record: UnsafeRawBufferPointer) throws(DecodeError) -> Int {
        guard record.first == 0 else { return 0 }
        guard record.count >= 6 else {
            throw DecodeError(.malformedProtobuf, at: 0, "a schema-registry frame (magic byte 0) shorter than its 6-byte minimum")
        }
        var reader = ProtobufReader(record, 5..<record.count)
        let count = Self.zigzag(try reader.varint())
        // A .proto file nests messages a few levels deep; anything larger is not a frame.
        guard (0...32).contains(count) else {
            throw DecodeError(.malformedProtobuf, at: 5, "a schema-registry frame with \(count) message indexes")
        }
        for _ in 0..<count { _ = try reader.varint() }
        return reader.position
    }

    private static func zigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}
