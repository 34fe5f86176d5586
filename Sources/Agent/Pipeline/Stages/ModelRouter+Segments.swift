import DriftMonitor
import Ingest
import Logging
import Telemetry

extension ModelRouter {
    /// The longest segment value that gets a monitor of its own (longer ones stay with the model).
    static let segmentValueLimit = 64

    /// The monitor of one segment of a model (a value of the segment key or header), made the
    /// first time the value comes: `model/segment`, with the model's reference, policy and
    /// windows. Past the model's limit, or for a value that cannot name a series, the records
    /// stay with the model's own monitor.
    func segment(_ value: [UInt8], of model: Watched, space: FeatureSpace) -> Watched {
        if let known = model.segments[value] { return known }
        guard model.segments.count < model.segmentLimit, value.count <= Self.segmentValueLimit,
            let name = String(validating: value, as: UTF8.self), !name.contains(where: { $0.isNewline || $0 == "\"" || $0 == "\\" })
        else {
            if !model.segmentsOverflowed {
                model.segmentsOverflowed = true
                logger.warning(
                    "a segment past the model's max_segments (or not a short UTF-8 name) is watched with the model itself",
                    metadata: ["model": "\(model.model)", "segments": "\(model.segments.count)"])
            }
            return model
        }
        let base = model.monitor
        let monitor: Monitor
        do {
            monitor = try Monitor(
                model: "\(model.model)/\(name)", reference: base.reference, policy: base.policy, window: base.window, space: space,
                batchCapacity: base.batchCapacity)
        } catch {
            // The model's own monitor was made from the same reference over the same space.
            logger.error("a segment's monitor could not be made", metadata: ["model": "\(model.model)", "error": "\(error)"])
            return model
        }
        let segment = Watched(monitor: monitor, metrics: Self.makeMetrics(for: monitor, catalogue: catalogue), model: model.model)
        model.segments[value] = segment
        add(segment)
        restore(segment)
        logger.info("new segment", metadata: ["model": "\(model.model)", "segment": "\(name)"])
        return segment
    }
}
