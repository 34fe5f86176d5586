import DriftKernels
import DriftMonitor
import Logging
import Telemetry
import TestSupport
import Testing

@testable import Agent

/// Routing records to monitors by model name, routed names and segments, with no Kafka.
@Suite("Model router")
struct ModelRouterTests {
    func router(segmentLimit: Int = 0) throws -> (ModelRouter, FeatureSpace) {
        var rng = SeededGenerator(seed: 5)
        let (space, reference) = try NormalReference.make(model: "fraud", rows: 200, rng: &rng)
        let monitors = try ["fraud", "churn"].map { name in
            try Monitor(model: name, reference: reference, policy: DriftPolicy(), windowRecords: 100, space: space)
        }
        var logger = Logger(label: "router")
        logger.logLevel = .critical
        let router = ModelRouter(
            monitors: monitors, routes: ["churn": ["churn-v1", "churn-v2"]], segmentLimits: ["fraud": segmentLimit],
            catalogue: MetricCatalogue(version: "test"), logger: logger)
        return (router, space)
    }

    @Test("A model by its name or a routed name; an unknown or missing name nowhere when several models are watched")
    func names() throws {
        let (router, _) = try router()
        #expect(router.route(Array("fraud".utf8))?.model == "fraud")
        #expect(router.route(Array("churn-v2".utf8))?.model == "churn")
        #expect(router.route(Array("churn".utf8)) == nil, "a model with routes answers only to them")
        #expect(router.route(Array("nope".utf8)) == nil)
        #expect(router.route([]) == nil)
        #expect(router.configured("churn")?.model == "churn")
    }

    @Test("Segments get a monitor of their own up to the limit; the rest, and names that cannot label a series, stay with the model")
    func segments() throws {
        let (router, space) = try router(segmentLimit: 2)
        let fraud = Array("fraud".utf8)
        let eu = router.target(model: fraud, segment: Array("eu".utf8), space: space)
        #expect(eu?.monitor.model == "fraud/eu")
        #expect(router.target(model: fraud, segment: Array("eu".utf8), space: space) === eu, "made once")
        #expect(router.target(model: fraud, segment: Array("us".utf8), space: space)?.monitor.model == "fraud/us")
        #expect(router.target(model: fraud, segment: Array("apac".utf8), space: space)?.monitor.model == "fraud", "past the limit")
        #expect(router.target(model: fraud, segment: [], space: space)?.monitor.model == "fraud")
        #expect(router.watched.map(\.monitor.model) == ["fraud", "churn", "fraud/eu", "fraud/us"])

        let (unlimited, _) = try self.router(segmentLimit: 8)
        for bad in ["a\"b", "line\nbreak", String(repeating: "x", count: ModelRouter.segmentValueLimit + 1)] {
            #expect(unlimited.target(model: fraud, segment: Array(bad.utf8), space: space)?.monitor.model == "fraud")
        }
        #expect(unlimited.target(model: fraud, segment: [0xFF, 0xFE], space: space)?.monitor.model == "fraud", "not UTF-8")
        #expect(unlimited.target(model: Array("churn-v1".utf8), segment: Array("eu".utf8), space: space)?.monitor.model == "churn", "not segmented")
    }

    @Test("Restoring takes each model's newest checkpoint by windows closed, with the lineage of its count")
    func restore() throws {
        let (router, _) = try router()
        let older = Monitor.Checkpoint(state: .warning(breachedStreak: 1), windowsClosed: 3, lineage: 11)
        let newer = Monitor.Checkpoint(state: .ok, windowsClosed: 9, lineage: 12)
        router.restore(from: [PipelineCheckpoint(models: ["fraud": newer]), PipelineCheckpoint(models: ["fraud": older, "churn": older])], lineage: 99)
        #expect(router.configured("fraud")?.monitor.windowsClosed == 9)
        #expect(router.configured("churn")?.monitor.windowsClosed == 3)
        #expect(router.checkpoints["churn"]?.state == older.state)
        #expect(router.configured("fraud")?.monitor.lineage == 12)
        #expect(router.checkpoints["churn"]?.lineage == 11)
    }

    @Test("A model without a checkpoint counts from the start offsets' lineage; one committed before its first window keeps its count's")
    func lineage() throws {
        let (fresh, _) = try router()
        fresh.restore(from: [], lineage: 99)
        #expect(fresh.configured("fraud")?.monitor.lineage == 99)
        // A restart before the first window's commit: the periodic commit carried the count's lineage.
        let (restarted, _) = try router()
        restarted.restore(from: [PipelineCheckpoint(models: ["fraud": Monitor.Checkpoint(state: .ok, windowsClosed: 0, lineage: 7)])], lineage: 99)
        #expect(restarted.configured("fraud")?.monitor.lineage == 7)
        #expect(restarted.configured("churn")?.monitor.lineage == 99)
        // A later assignment does not move a count already begun.
        restarted.restore(from: [], lineage: 100)
        #expect(restarted.configured("fraud")?.monitor.lineage == 7)
        // The lineage survives the round trip through the committed metadata.
        let decoded = try #require(PipelineCheckpoint(decoding: PipelineCheckpoint(models: restarted.checkpoints).encoded()))
        #expect(decoded.models["fraud"]?.lineage == 7)
        #expect(decoded.models["churn"]?.lineage == 99)
    }
}
