#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The principal axes of standardised reference data: a basis onto which later data is
/// projected to measure how far it leaves the reference's correlation structure.
///
/// Columns are standardised by the reference mean and standard deviation (`ddof = 0`);
/// missing values (NaN) are imputed with the mean, i.e. 0 after standardising. The
/// covariance `X'X / (n - 1)` is one `dsyrk` and the eigendecomposition LAPACK's `dsyevd`,
/// both from OpenBLAS.
public struct PrincipalComponents: Sendable, Hashable, Codable {
    public var means: [Double]
    public var scales: [Double]
    /// Eigenvalues of the covariance, largest first (all of them).
    public var eigenvalues: [Double]
    /// The kept axes, `dimension x componentCount`, column-major.
    public var components: [Double]
    public var componentCount: Int

    public var dimension: Int { means.count }

    public enum FitError: Error, Hashable, CustomStringConvertible {
        case tooFewRows(Int)
        case tooFewColumns(Int)
        case lapack(info: Int32)
        /// The standardised reference overflows doubles: values too far apart.
        case notFinite

        public var description: String {
            switch self {
            case .tooFewRows(let rows): "PCA needs at least 3 reference rows, got \(rows)"
            case .tooFewColumns(let columns): "PCA needs at least 2 numeric features, got \(columns)"
            case .lapack(let info): "the eigendecomposition failed (dsyevd info \(info))"
            case .notFinite: "the reference's numeric values are too far apart for doubles once standardised"
            }
        }
    }

    /// Fits the axes that explain `varianceShare` of the total variance (65% by default, as
    /// NannyML's data reconstruction), at most `dimension - 1` of them so that the
    /// reconstruction error stays informative.
    public init(fitting data: ColumnMatrix, varianceShare: Double = 0.65) throws(FitError) {
        var standardised = data
        (self, _) = try Self.fit(standardisingInPlace: &standardised, varianceShare: varianceShare)
    }

    private init(means: [Double], scales: [Double]) {
        self.means = means
        self.scales = scales
        eigenvalues = []
        components = []
        componentCount = 0
    }

    /// The fit of ``init(fitting:varianceShare:)`` on `data`, which is left standardised,
    /// with the standardised data's Gram matrix `X'X`: a caller that goes on working on the
    /// standardised rows (``ReconstructionDrift``'s calibration) copies nothing.
    static func fit(standardisingInPlace data: inout ColumnMatrix, varianceShare: Double) throws(FitError) -> (PrincipalComponents, gram: [Double]) {
        guard data.rows >= 3 else { throw .tooFewRows(data.rows) }
        guard data.columns >= 2 else { throw .tooFewColumns(data.columns) }
        var means = [Double](repeating: 0, count: data.columns)
        var scales = [Double](repeating: 1, count: data.columns)
        for column in 0..<data.columns {
            var moments = Moments()
            data.storage.withUnsafeBufferPointer {
                moments.add(UnsafeBufferPointer(rebasing: $0[(column * data.rows)..<((column + 1) * data.rows)]))
            }
            means[column] = moments.count > 0 ? moments.mean : 0
            let deviation = moments.standardDeviation
            scales[column] = deviation > 0 && deviation.isFinite ? deviation : 1
        }
        var fitted = PrincipalComponents(means: means, scales: scales)
        standardise(&data, means: means, scales: scales, squaredNorms: nil)
        let gram = Self.gram(of: data)
        try fitted.setAxes(covariance: gram.map { $0 / Double(data.rows - 1) }, varianceShare: varianceShare)
        return (fitted, gram)
    }

    /// `X'X` of a matrix's rows `range` (all rows by default), one `dsyrk` on the rows in
    /// place (upper triangle filled, column-major `d x d`).
    static func gram(of x: ColumnMatrix, rows range: Range<Int>? = nil) -> [Double] {
        let blas = OpenBLAS.routines
        let d = x.columns
        let range = range ?? 0..<x.rows
        let stride = Int32(Swift.max(x.rows, 1))
        var gram = [Double](repeating: 0, count: d * d)
        x.storage.withUnsafeBufferPointer { x in
            gram.withUnsafeMutableBufferPointer { c in
                blas.dsyrk(
                    OpenBLAS.columnMajor, OpenBLAS.upper, OpenBLAS.transpose, Int32(d), Int32(range.count), 1,
                    x.baseAddress.map { $0 + range.lowerBound }, stride, 0, c.baseAddress, Int32(d))
            }
        }
        return gram
    }

    /// Keeps the axes of `covariance` (upper triangle) that explain `varianceShare` of the
    /// variance, at most `dimension - 1` of them.
    mutating func setAxes(covariance: [Double], varianceShare: Double) throws(FitError) {
        let d = dimension
        var matrix = covariance
        let (values, vectors) = try Self.symmetricEigen(&matrix, dimension: d)
        // dsyevd returns ascending order; keep the largest first.
        let order = Array((0..<d).reversed())
        eigenvalues = order.map { Swift.max(values[$0], 0) }
        let total = eigenvalues.reduce(0, +)
        var kept = 0
        var explained = 0.0
        while kept < d - 1 && (explained < varianceShare * total || kept == 0) {
            explained += eigenvalues[kept]
            kept += 1
        }
        componentCount = kept
        var components = [Double](repeating: 0, count: d * kept)
        for (k, source) in order.prefix(kept).enumerated() {
            // Sign convention: the largest-magnitude entry of each axis is positive.
            let axis = vectors[(source * d)..<((source + 1) * d)]
            let pivot = axis.max { abs($0) < abs($1) } ?? 1
            let sign: Double = pivot < 0 ? -1 : 1
            for (row, value) in axis.enumerated() { components[k * d + row] = sign * value }
        }
        self.components = components
    }

    /// Standardises `data` in place, `(x - mean) / scale` per column, NaN replaced by 0; with
    /// `squaredNorms` (one slot per row, zeroed), also adds each standardised row's squared
    /// length there, in the same pass.
    static func standardise(
        _ data: inout ColumnMatrix, means: [Double], scales: [Double], squaredNorms: UnsafeMutableBufferPointer<Double>?
    ) {
        let rows = data.rows
        data.storage.withUnsafeMutableBufferPointer { x in
            for column in 0..<data.columns {
                let mean = means[column]
                let inverse = 1 / scales[column]
                let base = column * rows
                for row in 0..<rows {
                    let raw = x[base + row]
                    // A missing value is imputed with the reference mean: 0 once standardised.
                    let z = raw.isNaN ? 0 : (raw - mean) * inverse
                    x[base + row] = z
                    if let squaredNorms { squaredNorms[row] += z * z }
                }
            }
        }
    }

    /// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix whose upper
    /// triangle is filled, by LAPACK `dsyevd`.
    static func symmetricEigen(_ matrix: inout [Double], dimension d: Int) throws(FitError) -> ([Double], [Double]) {
        let blas = OpenBLAS.routines
        var n = Int32(d)
        var lda = Int32(d)
        var values = [Double](repeating: 0, count: d)
        var info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V"))
        var uplo = CChar(UInt8(ascii: "U"))  // the triangle dsyrk filled
        var workSize: Int32 = -1
        var iworkSize: Int32 = -1
        var workQuery = 0.0
        var iworkQuery: Int32 = 0
        blas.dsyevd(&jobz, &uplo, &n, &matrix, &lda, &values, &workQuery, &workSize, &iworkQuery, &iworkSize, &info)
        guard info == 0 else { throw .lapack(info: info) }
        workSize = Int32(workQuery)
        iworkSize = iworkQuery
        var work = [Double](repeating: 0, count: Int(workSize))
        var iwork = [Int32](repeating: 0, count: Int(iworkSize))
        blas.dsyevd(&jobz, &uplo, &n, &matrix, &lda, &values, &work, &workSize, &iwork, &iworkSize, &info)
        guard info == 0 else { throw .lapack(info: info) }
        return (values, matrix)
    }
}
