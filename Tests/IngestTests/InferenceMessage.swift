import DriftMonitor
import Foundation
import Ingest

/// A Kafka message as a test builds it or reads it from Fixtures/: topic, key, headers, value.
struct InferenceMessage {
    var topic: String?
    var key: [UInt8]?
    var headers: [String: String]
    var value: [UInt8]?

    init(topic: String? = nil, key: String? = nil, headers: [String: String] = [:], value: [UInt8]?) {
        self.topic = topic
        self.key = key.map { Array($0.utf8) }
        self.headers = headers
        self.value = value
    }

    init(topic: String? = nil, key: String? = nil, headers: [String: String] = [:], text: String) {
        self.init(topic: topic, key: key, headers: headers, value: Array(text.utf8))
    }

    /// A fixture: `{"source", "topic"?, "key"?, "headers", "value"}`.
    init(fixture name: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        self.init(
            topic: object["topic"] as? String, key: object["key"] as? String, headers: object["headers"] as? [String: String] ?? [:],
            text: object["value"] as! String)
    }

    /// Decodes the message as the pipeline does: the envelope borrows the key and headers.
    func decode(_ format: RecordDecoder.Format, with decoder: inout RecordDecoder, into payload: inout InferencePayload) throws(DecodeError) {
        var storage: [UInt8] = key ?? []
        var ranges: [Range<Int>?] = []
        for name in MessageEnvelope.headerNames {
            if let value = headers[name] {
                ranges.append(storage.count..<(storage.count + value.utf8.count))
                storage.append(contentsOf: value.utf8)
            } else {
                ranges.append(nil)
            }
        }
        let keyCount = key?.count
        let topic = topic.flatMap(SeldonTopic.init)
        let outcome = storage.withUnsafeBytes { stored in
            var envelope = MessageEnvelope()
            envelope.topic = topic
            if let keyCount { envelope.key = UnsafeRawBufferPointer(rebasing: stored[0..<keyCount]) }
            for (index, range) in ranges.enumerated() {
                envelope.set(header: index, range.map { UnsafeRawBufferPointer(rebasing: stored[$0]) })
            }
            guard let value else {
                return Result { () throws(DecodeError) in try decoder.decode(nil, format: format, envelope: envelope, into: &payload) }
            }
            return value.withUnsafeBytes { bytes in
                Result { () throws(DecodeError) in try decoder.decode(bytes, format: format, envelope: envelope, into: &payload) }
            }
        }
        try outcome.get()
    }
}

extension InferencePayload {
    /// Numeric values of a feature, row by row (NaN = missing).
    func numbers(_ feature: String, in space: FeatureSpace) -> [Double] {
        let slot = space.slot(of: feature)!
        return rows[0..<rowCount].map { $0.numeric[space.kindIndex[slot]] }
    }

    /// Category names of a feature, row by row (nil = missing).
    func categories(_ feature: String, in space: FeatureSpace) -> [String?] {
        let slot = space.slot(of: feature)!
        let index = space.kindIndex[slot]
        return rows[0..<rowCount].map { $0.categorical[index] < 0 ? nil : space.dictionaries[index].name(of: $0.categorical[index]) }
    }

    var idString: String { String(decoding: id, as: UTF8.self) }
    var modelString: String { String(decoding: model, as: UTF8.self) }
}
