extension Comparison {
    /// The result as one JSON object (the `compare --format json` contract).
    public func json() -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("reference_rows", referenceRows)
        json.field("current_rows", currentRows)
        json.key("judged")
        json.value(report.judged)
        json.field("minimum_window_records", policy.judgedWindowRecords)
        json.field("correction", policy.correction.rawValue)
        json.field("significance_level", policy.significanceLevel)
        json.field("dataset_drift_share", report.datasetDriftShare)
        json.key("features")
        json.beginArray()
        for feature in report.features {
            json.beginObject()
            json.field("name", feature.name)
            json.field("kind", feature.kind.rawValue)
            json.key("drifted")
            json.value(feature.drifted)
            json.field("level", "\(feature.level)")
            json.field("deciding_method", feature.decidingMethod.rawValue)
            json.key("pvalue")
            if let pvalue = feature.pvalue, !pvalue.isNaN { json.value(pvalue) } else { json.null() }
            json.key("tests")
            json.beginObject()
            for score in feature.scores {
                json.key(score.method.rawValue)
                json.beginObject()
                if let pvalue = score.pvalue {
                    json.field("statistic", score.value)
                    json.field("pvalue", pvalue)
                } else {
                    json.field("score", score.value)
                }
                if feature.kind == .vector {
                    writeVectorThreshold(of: score.method, feature, into: &json)
                } else if let threshold = policy.effectThresholds.first(where: { $0.method == score.method }) {
                    json.field("threshold", threshold.drift)
                }
                json.endObject()
            }
            json.endObject()
            json.key("quality")
            json.beginObject()
            json.field("count", feature.count)
            json.field("missing_ratio", feature.missingRatio)
            json.field("type_mismatch_ratio", feature.typeMismatchRatio)
            json.field("non_finite_ratio", feature.nonFiniteRatio)
            switch feature.kind {
            case .numeric: json.field("out_of_range_ratio", feature.outOfRangeRatio)
            case .categorical: json.field("new_category_ratio", feature.newCategoryRatio)
            case .vector: json.field("dimension", feature.vector?.dimension ?? 0)
            }
            json.endObject()
            json.endObject()
        }
        json.endArray()
        json.key("multivariate")
        if let multivariate = report.multivariate {
            json.beginObject()
            json.field("method", "pca_reconstruction")
            json.field("components", multivariate.components)
            json.field("reconstruction_error", multivariate.reconstructionError)
            json.field("lower_threshold", multivariate.lowerThreshold)
            json.field("upper_threshold", multivariate.upperThreshold)
            json.key("drifted")
            json.value(multivariate.drifted)
            json.endObject()
        } else {
            json.null()
        }
        if let multivariateSkipped { json.field("multivariate_skipped", multivariateSkipped) }
        if let performance {
            json.key("performance")
            performance.write(into: &json)
        }
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// A vector test's alarm threshold (the MMD² and the distance between means) or band (the
    /// reconstruction error), calibrated on the reference for this many rows.
    private func writeVectorThreshold(of method: FeatureDrift.Method, _ feature: FeatureDrift, into json: inout JSONWriter) {
        switch method {
        case .mmd:
            if feature.driftThreshold.isFinite {
                json.field("threshold", feature.driftThreshold)
                json.field("warn_threshold", feature.warnThreshold)
            }
            if let bandwidth = feature.vector?.bandwidth { json.field("bandwidth", bandwidth) }
        case .meanDistance:
            if let threshold = feature.vector?.meanDistanceThreshold { json.field("threshold", threshold) }
        case .pcaReconstruction:
            if let band = feature.vector?.reconstructionBand {
                json.field("lower_threshold", band.lowerBound)
                json.field("upper_threshold", band.upperBound)
                json.key("drifted")
                json.value(feature.vector?.reconstructionDrifted ?? false)
            }
        default: break
        }
    }

    /// The result as an aligned text table, drifted features first.
    public func table() -> String {
        func number(_ value: Double?) -> String {
            guard let value, !value.isNaN else { return "-" }
            if value > 0 && value < 1e-3 { return "<0.001" }
            return String((value * 1_000).rounded() / 1_000)
        }
        let header = ["feature", "kind", "verdict", "psi", "ks|chi2", "p-value", "wasserstein", "js", "missing"]
        var rows: [[String]] = []
        let ordered = report.features.enumerated().sorted { ($0.element.level, -$0.offset) > ($1.element.level, -$1.offset) }
        for (_, feature) in ordered {
            let ks = feature.score(.ks) ?? feature.score(.chiSquare)
            rows.append([
                feature.name, feature.kind.rawValue,
                feature.level == .ok ? "ok" : "\(feature.level) (\(feature.decidingMethod.rawValue))",
                number(feature.score(.psi)?.value), number(ks?.value), number(ks?.pvalue),
                number(feature.score(.wasserstein)?.value), number(feature.score(.jensenShannon)?.value),
                number(feature.missingRatio),
            ])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  ")
        }
        var text = "reference \(referenceRows) rows, current \(currentRows) rows: "
        text += "\(report.driftedFeatures.count) of \(report.features.count) features drifted (share \(number(report.datasetDriftShare)))\n"
        if !report.judged {
            text += "too few records to judge (fewer than \(policy.judgedWindowRecords)): scores shown, nothing flagged\n"
        }
        text += line(header) + "\n"
        for row in rows { text += line(row) + "\n" }
        for feature in report.features where feature.kind == .vector {
            // MMD² is small (a few 1e-4 at a thousand rows): printed in full.
            text += "vector \(feature.name) (\(feature.vector?.dimension ?? 0) values): MMD² \(feature.score(.mmd)?.value ?? .nan) "
            text += "vs threshold \(feature.driftThreshold): \(feature.level), mean distance \(number(feature.score(.meanDistance)?.value))"
            if let threshold = feature.vector?.meanDistanceThreshold { text += " vs \(number(threshold))" }
            if let band = feature.vector?.reconstructionBand {
                text += ", PCA error \(number(feature.score(.pcaReconstruction)?.value)) vs band \(number(band.lowerBound))..\(number(band.upperBound))"
            }
            text += "\n"
        }
        if let multivariate = report.multivariate {
            text += "multivariate (PCA, \(multivariate.components) axes): reconstruction error \(number(multivariate.reconstructionError)) "
            text += "vs band \(number(multivariate.lowerThreshold))..\(number(multivariate.upperThreshold)): "
            text += multivariate.drifted ? "DRIFT\n" : "ok\n"
        } else if let multivariateSkipped {
            text += multivariateSkipped + "\n"
        }
        if let performance { text += performance.table() }
        return text
    }
}
