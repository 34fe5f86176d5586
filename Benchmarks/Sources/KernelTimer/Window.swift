import DriftKernels
import DriftMonitor
import Foundation

/// The benchmark window: `columns` numeric features of `rows` values each, read from raw
/// little-endian Float64 files written column after column by bench_kernels.py.
struct Window {
    var columns: [[Double]]

    init(path: String, columns count: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        let rows = values.count / count
        columns = (0..<count).map { Array(values[($0 * rows)..<(($0 + 1) * rows)]) }
    }

    var rows: Int { columns.first?.count ?? 0 }

    var features: [Feature] { columns.indices.map { Feature(name: "f\($0)", kind: .numeric) } }

    func batch() -> RecordBatch {
        var space = FeatureSpace()
        try! space.declare(features)  // distinct generated names
        var batch = RecordBatch(numericColumns: columns.count, categoricalColumns: 0, capacity: rows)
        var row = DecodedRow(space: space)
        let sources = Array(columns.indices)
        for i in 0..<rows {
            for (j, column) in columns.enumerated() { row.numeric[j] = column[i] }
            batch.append(row, numericSources: sources, categoricalSources: [])
        }
        return batch
    }
}
