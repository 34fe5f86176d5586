import DriftKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Monitor {
    /// Quantiles reported per numeric feature.
    public static let reportedQuantiles: [Double] = [0.05, 0.25, 0.5, 0.75, 0.95]

    /// Tests every feature of the open window against the reference: O(features x bins).
    func evaluate(_ summary: WindowSummary, space: FeatureSpace, index: Int, wallTime: Int64?) -> WindowReport {
        let started = ContinuousClock.now
        var features: [FeatureDrift] = []
        features.reserveCapacity(numericFeatures.count + categoricalFeatures.count + vectorFeatures.count)
        for (i, reference) in numericFeatures.enumerated() {
            features.append(evaluateNumeric(reference, summary.numeric[i], records: summary.records))
        }
        for (i, reference) in categoricalFeatures.enumerated() {
            features.append(
                evaluateCategorical(
                    reference, summary.categorical[i], records: summary.records, dictionary: space.dictionaries[reference.dictionaryIndex]))
        }
        for (i, reference) in vectorFeatures.enumerated() {
            features.append(evaluateVector(reference, summary.vectors[i], records: summary.records))
        }
        let judged = policy.judge(&features, records: summary.records)
        let drifted = features.filter(\.drifted).count
        let elapsed = ContinuousClock.now - started
        let records = Double(max(summary.records, 1))
        var report = WindowReport(
            model: model, referenceVersion: reference.version, index: index, records: summary.records,
            firstEventTime: summary.firstEventTime, lastEventTime: summary.lastEventTime, features: features,
            datasetDriftShare: features.isEmpty ? 0 : Double(drifted) / Double(features.count),
            multivariate: reference.multivariate.flatMap { summary.reconstruction.rows > 0 ? MultivariateDrift(summary.reconstruction, baseline: $0) : nil },
            evaluationSeconds: elapsed.inSeconds)
        report.duplicateRatio = Double(summary.duplicateRecords) / records
        report.unknownFieldRatio = Double(summary.unknownFieldRecords) / records
        report.unknownFields = summary.unknownFields
        report.absentFeatures = summary.records > 0 ? features.filter { $0.count == 0 }.map(\.name) : []
        if let wallTime, let newest = summary.lastEventTime { report.eventAgeSeconds = Double(wallTime - newest) / 1000 }
        report.qualityBreaches = qualityBreaches(of: report)
        report.judged = judged
        return report
    }

    /// The quality measures of the report above the policy's limits.
    private func qualityBreaches(of report: WindowReport) -> [QualityBreach] {
        let quality = policy.quality
        guard !quality.isEmpty, report.records > 0 else { return [] }
        var breaches: [QualityBreach] = []
        func check(_ check: QualityCheck, _ feature: String?, _ value: Double) {
            if let breach = quality.breach(check, feature: feature, value: value) { breaches.append(breach) }
        }
        let referenceVaries =
            numericFeatures.map(\.varies) + categoricalFeatures.map(\.varies) + vectorFeatures.map { _ in false }
        for (feature, varies) in zip(report.features, referenceVaries) {
            check(.missingRatio, feature.name, feature.missingRatio)
            check(.nonFiniteRatio, feature.name, feature.nonFiniteRatio)
            check(.typeMismatchRatio, feature.name, feature.typeMismatchRatio)
            if feature.kind == .numeric {
                check(.outOfRangeRatio, feature.name, feature.outOfRangeRatio)
                check(.repeatedRatio, feature.name, feature.repeatedRatio)
            } else {
                check(.newCategoryRatio, feature.name, feature.newCategoryRatio)
            }
            // A feature that never varied in the reference is not stuck when it does not vary now.
            check(.constant, feature.name, feature.isConstant && varies ? 1 : 0)
        }
        check(.duplicateRatio, nil, report.duplicateRatio)
        check(.unknownFieldRatio, nil, report.unknownFieldRatio)
        check(.absentFeatures, nil, Double(report.absentFeatures.count))
        if let age = report.eventAgeSeconds { check(.eventAgeSeconds, nil, age) }
        return breaches
    }

    private func evaluateNumeric(_ reference: NumericReference, _ window: WindowSummary.Numeric, records: Int) -> FeatureDrift {
        let count = window.moments.count
        let referenceCount = reference.moments.count
        let current = window.histogram.counts
        let coarse = reference.coarse(current)
        var scores: [FeatureDrift.Score] = []
        var pvalue: Double?
        if count > 0 && referenceCount > 0 {
            let psi = PopulationStability.score(reference: reference.coarseCounts, current: coarse)
            let ks = KolmogorovSmirnov.statistic(reference: reference.histogram.counts, current: current)
            // The binned statistic never exceeds the exact one, so this p-value errs high (conservative).
            let ksP = KolmogorovSmirnov.asymptoticPValue(statistic: ks, referenceCount: referenceCount, currentCount: count)
            pvalue = ksP
            let wasserstein = Wasserstein.distance(
                reference: reference.histogram, current: window.histogram, edges: reference.edges,
                lowerBound: min(reference.moments.min, window.moments.min), upperBound: max(reference.moments.max, window.moments.max))
            let scale = max(reference.moments.standardDeviation, 1e-3)
            scores = [
                .init(method: .psi, value: psi, pvalue: nil),
                .init(method: .ks, value: ks, pvalue: ksP),
                .init(method: .wasserstein, value: wasserstein / scale, pvalue: nil),
                .init(method: .jensenShannon, value: JensenShannon.distance(reference: reference.coarseCounts, current: coarse), pvalue: nil),
                .init(method: .hellinger, value: Hellinger.distance(reference: reference.coarseCounts, current: coarse), pvalue: nil),
                .init(method: .kullbackLeibler, value: KullbackLeibler.divergence(reference: reference.coarseCounts, current: coarse), pvalue: nil),
            ]
        }
        let records = max(records, 1)
        // Levels are set when the window's features are judged together.
        return FeatureDrift(
            name: reference.profile.name, kind: .numeric, level: .ok, decidingMethod: .psi,
            warnThreshold: policy.warnThreshold, driftThreshold: policy.driftThreshold, scores: scores, pvalue: pvalue,
            uncorrectedPValue: pvalue, count: count,
            missingRatio: Double(window.missing) / Double(records), typeMismatchRatio: Double(window.typeMismatches) / Double(records),
            nonFiniteRatio: Double(window.nonFinite) / Double(records),
            repeatedRatio: count > 1 ? Double(window.repeats) / Double(count - 1) : 0,
            isConstant: count > 1 && window.moments.min == window.moments.max,
            outOfRangeRatio: count > 0 ? Double(window.outOfRange) / Double(count) : 0, newCategoryRatio: 0,
            mean: count > 0 ? window.moments.mean : .nan, standardDeviation: count > 0 ? window.moments.standardDeviation : .nan,
            quantiles: Self.reportedQuantiles.map { ($0, quantile($0, of: window, edges: reference.edges)) },
            bins: .init(edges: reference.profile.psiEdges ?? [], reference: reference.coarseCounts, current: coarse))
    }

    /// A quantile from the fine histogram, linear inside the bin; outer bins end at the window's min and max.
    private func quantile(_ probability: Double, of window: WindowSummary.Numeric, edges: BinEdges) -> Double {
        let total = window.moments.count
        guard total > 0 else { return .nan }
        let target = probability * Double(total)
        var cumulative = 0
        for (bin, count) in window.histogram.counts.enumerated() where count > 0 {
            if Double(cumulative + count) >= target {
                let lower = bin == 0 ? window.moments.min : max(edges.values[bin - 1], window.moments.min)
                let upper = bin == edges.binCount - 1 ? window.moments.max : min(edges.values[bin], window.moments.max)
                let fraction = (target - Double(cumulative)) / Double(count)
                return lower + (upper - lower) * min(max(fraction, 0), 1)
            }
            cumulative += count
        }
        return window.moments.max
    }

    private func evaluateVector(_ reference: VectorReference, _ window: WindowSummary.Vector, records: Int) -> FeatureDrift {
        let profile = reference.profile
        let count = window.embedding.count
        var scores: [FeatureDrift.Score] = []
        var evidence = FeatureDrift.VectorEvidence(
            dimension: profile.dimension, bandwidth: profile.bandwidth, meanDistanceThreshold: profile.meanDistanceThreshold(windowRows: count), reconstructionBand: nil,
            reconstructionDrifted: false, projectedMean: [])
        if count > 1 && profile.embedding.count > 1 {
            scores = [
                .init(method: .mmd, value: window.embedding.squaredDiscrepancy(to: profile.embedding), pvalue: nil),
                .init(method: .meanDistance, value: window.mean.euclideanDistance(to: profile.mean), pvalue: nil),
                .init(method: .meanCosineDistance, value: window.mean.cosineDistance(to: profile.mean), pvalue: nil),
            ]
            if let baseline = profile.reconstruction, window.reconstruction.rows > 0 {
                scores.append(.init(method: .pcaReconstruction, value: window.reconstruction.mean, pvalue: nil))
                evidence.reconstructionBand = baseline.band(rows: window.reconstruction.rows)
                evidence.reconstructionDrifted = baseline.isDrifted(window.reconstruction)
                evidence.projectedMean = VectorProfile.project(mean: window.mean.mean, on: baseline.basis)
                evidence.referenceProjection = profile.projection
                evidence.windowProjection = window.projected
            }
        }
        // No thresholds (a reference too small to calibrate): reported, never flagged.
        let thresholds = profile.discrepancyThresholds(windowRows: count) ?? (.infinity, .infinity)
        let records = max(records, 1)
        return FeatureDrift(
            name: reference.name, kind: .vector, level: .ok, decidingMethod: .mmd, warnThreshold: thresholds.warn,
            driftThreshold: thresholds.drift, scores: scores, pvalue: nil, uncorrectedPValue: nil, count: count,
            missingRatio: Double(window.missing) / Double(records), typeMismatchRatio: Double(window.typeMismatches) / Double(records),
            nonFiniteRatio: Double(window.nonFinite) / Double(records), repeatedRatio: 0, isConstant: false, outOfRangeRatio: 0,
            newCategoryRatio: 0, mean: .nan, standardDeviation: .nan, quantiles: [], vector: evidence)
    }

    private func evaluateCategorical(
        _ reference: CategoricalReference, _ window: WindowSummary.Categorical, records: Int, dictionary: CategoryDictionary
    ) -> FeatureDrift {
        // Reference categories in order, then one bucket for every category the reference never saw.
        var current = [Int](repeating: 0, count: reference.categories.count + 1)
        // The same, with each unseen category in a column of its own, for the chi-square.
        var unseen: [Int] = []
        for (code, count) in window.codeCounts.enumerated() where count > 0 {
            if let index = reference.indexOfCategory[dictionary.name(of: Int32(code))] {
                current[index] += count
            } else {
                current[reference.categories.count] += count
                unseen.append(count)
            }
        }
        let count = current.reduce(0, +)
        let newCount = current[reference.categories.count]
        var scores: [FeatureDrift.Score] = []
        var pvalue: Double?
        if count > 0 && !reference.counts.isEmpty {
            let referenceWithNew = reference.counts + [0]
            let psi = PopulationStability.score(reference: referenceWithNew, current: current)
            // Over every category of either sample: left out, the ones the reference never saw
            // would bias the test (the reference's rare categories are those it happened to draw).
            let chi = ChiSquare.homogeneityTest(
                reference: reference.counts + [Int](repeating: 0, count: unseen.count), current: current.dropLast() + unseen)
            pvalue = chi.pvalue
            scores = [
                .init(method: .psi, value: psi, pvalue: nil),
                .init(method: .chiSquare, value: chi.statistic, pvalue: chi.pvalue),
                .init(method: .jensenShannon, value: JensenShannon.distance(reference: referenceWithNew, current: current), pvalue: nil),
                .init(method: .hellinger, value: Hellinger.distance(reference: referenceWithNew, current: current), pvalue: nil),
                .init(method: .kullbackLeibler, value: KullbackLeibler.divergence(reference: referenceWithNew, current: current), pvalue: nil),
            ]
            if let trueIndex = reference.booleanTrueIndex {
                // Both windows are samples: the two-proportion test, not a fit to fixed shares, is the evidence.
                let test = TwoProportion.test(
                    referenceTrue: reference.counts[trueIndex], referenceCount: reference.counts.reduce(0, +),
                    currentTrue: current[trueIndex], currentCount: count - newCount)
                scores.append(.init(method: .twoProportion, value: test.statistic, pvalue: test.pvalue))
                pvalue = test.pvalue
            }
        }
        let records = max(records, 1)
        return FeatureDrift(
            name: reference.profile.name, kind: .categorical, level: .ok, decidingMethod: .psi,
            warnThreshold: policy.warnThreshold, driftThreshold: policy.driftThreshold, scores: scores, pvalue: pvalue,
            uncorrectedPValue: pvalue, count: count,
            missingRatio: Double(window.missing) / Double(records), typeMismatchRatio: Double(window.typeMismatches) / Double(records),
            nonFiniteRatio: Double(window.nonFinite) / Double(records), repeatedRatio: 0,
            isConstant: count > 1 && window.codeCounts.lazy.filter { $0 > 0 }.count == 1,
            outOfRangeRatio: 0, newCategoryRatio: count > 0 ? Double(newCount) / Double(count) : 0, mean: .nan,
            standardDeviation: .nan, quantiles: [],
            bins: .init(categories: reference.categories, reference: reference.counts + [0], current: current))
    }
}
