import DriftMonitor
import Ingest
import KafkaIO

/// Turns a Kafka message into an inference payload: the topic's format, Seldon's topic naming,
/// the headers the decoders read, and where the model and segment names come from.
struct RecordIntake {
    var decoder: RecordDecoder
    /// The record format of each subscribed topic, by the consumer's topic index.
    let topicFormats: [RecordDecoder.Format]
    /// What each topic's name says under Seldon's naming, by topic index.
    let seldonTopics: [SeldonTopic?]
    let routing: Routing
    let segmentSource: Routing?

    init(space: FeatureSpace, topics: [String], settings: Pipeline.Settings) {
        decoder = RecordDecoder(space: space, tensors: settings.tensors, fields: settings.jsonFields, ignoredFields: settings.ignoredFields)
        topicFormats = topics.map { settings.formats[$0] ?? .json }
        seldonTopics = topics.map(SeldonTopic.init)
        routing = settings.routing
        segmentSource = settings.segmentSource
    }

    var space: FeatureSpace { decoder.space }

    /// Decodes `message` into `payload`, then names its model and segment as configured.
    mutating func decode(_ message: borrowing ConsumedMessage, into payload: inout InferencePayload) throws(DecodeError) {
        let format = topicFormats[message.topicIndex]
        var envelope = MessageEnvelope()
        if !format.isSingleRow {
            envelope.key = message.key
            envelope.topic = seldonTopics[message.topicIndex]
            for (index, name) in MessageEnvelope.headerNames.enumerated() {
                envelope.set(header: index, message.header(named: name))
            }
        }
        try decoder.decode(message.value, format: format, envelope: envelope, into: &payload)
        switch routing {
        case .field: break
        case .key: payload.setModel(message.key)
        case .header(let name): payload.setModel(message.header(named: name))
        }
        switch segmentSource {
        case nil, .field: break
        case .key: payload.setSegment(message.key)
        case .header(let name): payload.setSegment(message.header(named: name))
        }
        if payload.timestampMilliseconds == nil { payload.timestampMilliseconds = message.timestampMilliseconds }
    }
}
