import DriftMonitor

/// A labelled file's labels and predictions side by side, as ``PerformanceTally`` takes them:
/// NaN where a record has no label (or no prediction).
public struct LabelledPredictions: Sendable {
    public var labels: [Double]
    public var predictions: [Double]

    public init(labels: [Double], predictions: [Double]) {
        self.labels = labels
        self.predictions = predictions
    }

    /// Records with both a label and a prediction.
    public var labelled: Int { zip(labels, predictions).filter { !$0.0.isNaN && !$0.1.isNaN }.count }
}

/// Class names to indexes, shared by the files a multiclass comparison reads so that one
/// class has one index in both. Numbers name classes by their shortest text ("2", "2.5").
public struct ClassIndex: Sendable {
    public private(set) var names: [String] = []
    private var indexes: [String: Int] = [:]

    public init() {}

    public mutating func index(of name: String) -> Int {
        if let index = indexes[name] { return index }
        indexes[name] = names.count
        names.append(name)
        return names.count - 1
    }

    /// The class's index; a new class only while there are fewer than `limit`, else nil.
    public mutating func index(of name: String, limit: Int) -> Int? {
        if let index = indexes[name] { return index }
        return names.count < limit ? index(of: name) : nil
    }
}

extension RecordFile {
    /// Reads `labelField` and `predictionField` of every record. A file without the label
    /// field (labels not yet known) gives NaN labels; one without the prediction field is an error.
    public func labelledPredictions(
        task: ModelTask, labelField: String, predictionField: String, classes: inout ClassIndex
    ) throws -> LabelledPredictions {
        // In JSON lines `label` and `prediction` are metadata unless declared features.
        let file: any RecordFile = (self as? JSONLinesFile)?.reading(asFeatures: [labelField, predictionField]) ?? self
        let inferred = try file.inferSchema()
        // Records with a "features" object keep these two beside it, where inference does not look.
        func kind(of name: String) -> Feature.Kind { inferred.first { $0.name == name }?.kind ?? (task == .multiclass ? .categorical : .numeric) }
        let prediction = Feature(name: predictionField, kind: kind(of: predictionField))
        let label: Feature? = Feature(name: labelField, kind: kind(of: labelField))
        if task != .multiclass {
            for field in [prediction, label].compactMap({ $0 }) where field.kind != .numeric {
                throw ReadError(description: "\(path): '\(field.name)' holds text; a \(task.rawValue) model's labels and predictions are numbers")
            }
        }
        let fields = [prediction] + (label.map { [$0] } ?? [])
        let contents = try file.read(features: fields.filter { $0.kind == .numeric } + fields.filter { $0.kind == .categorical })
        func column(_ feature: Feature) -> [Double] {
            let numeric = contents.features.filter { $0.kind == .numeric }
            let categorical = contents.features.filter { $0.kind == .categorical }
            if let index = numeric.firstIndex(where: { $0.name == feature.name }) {
                let values = contents.batch.numeric[index]
                guard task == .multiclass else { return values }
                return values.map { $0.isFinite ? Double(classes.index(of: Self.className($0))) : .nan }
            }
            let index = categorical.firstIndex { $0.name == feature.name }!
            let dictionary = contents.dictionaries[index]
            return contents.batch.categorical[index].map { code in
                code < 0 ? .nan : Double(classes.index(of: dictionary.name(of: code)))
            }
        }
        let predictions = column(prediction)
        guard predictions.contains(where: { !$0.isNaN }) else {
            throw ReadError(description: "\(path): no record has a '\(predictionField)' to read as a prediction (--prediction-field)")
        }
        let labels = label.map(column) ?? [Double](repeating: .nan, count: predictions.count)
        return LabelledPredictions(labels: labels, predictions: predictions)
    }

    static func className(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
