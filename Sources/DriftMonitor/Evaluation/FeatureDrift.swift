/// The verdict on one feature in one window, with the evidence.
public struct FeatureDrift: Sendable {
    public enum Level: Int, Sendable, Hashable, Comparable {
        case ok = 0, warning = 1, drift = 2
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// A test's score, and its p-value when it has one.
    public struct Score: Sendable, Hashable {
        public var method: Method
        public var value: Double
        public var pvalue: Double?
    }

    /// Test methods, named as in metrics and events.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case psi
        case ks
        case wasserstein
        case jensenShannon = "jensenshannon"
        case chiSquare = "chisquare"
        case hellinger
        case kullbackLeibler = "kl"
        /// Boolean features (categories true and false): the share of true, two samples.
        case twoProportion = "two_proportion"
        /// Computed by `compare`, which has the raw samples; windows keep only summaries.
        case andersonDarling = "anderson_darling"
        case cramerVonMises = "cramervonmises"
        /// Vector features: the unbiased MMD² under the Gaussian kernel (random Fourier features).
        case mmd
        /// Vector features: the Euclidean distance between the window's mean and the reference's.
        case meanDistance = "mean_distance"
        /// Vector features: 1 − cosine of the two means.
        case meanCosineDistance = "mean_cosine_distance"
        /// Vector features: the mean PCA reconstruction error on the reference's axes.
        case pcaReconstruction = "pca_reconstruction"
    }

    public var name: String
    public var kind: Feature.Kind
    public var level: Level
    /// The score the decision was made on (PSI), with its thresholds.
    public var decidingMethod: Method
    public var warnThreshold: Double
    public var driftThreshold: Double
    public var scores: [Score]
    /// The p-value of the feature's test (KS, chi-square or two-proportion) that the verdict
    /// used, after the policy's ``MultipleTesting`` correction.
    public var pvalue: Double?
    /// The same p-value before the correction.
    public var uncorrectedPValue: Double?
    /// Records in the window with a usable value.
    public var count: Int
    public var missingRatio: Double
    public var typeMismatchRatio: Double
    /// Share of records whose value was NaN or infinite (counted as missing too).
    public var nonFiniteRatio: Double
    /// Share of a numeric feature's values equal to the value before them (0 for categorical).
    public var repeatedRatio: Double
    /// Every value of the window is the same (at least two values).
    public var isConstant: Bool
    /// Share of values outside the reference's [min, max] (numeric features; 0 otherwise).
    public var outOfRangeRatio: Double
    /// Share of values in categories the reference never saw (categorical features; 0 otherwise).
    public var newCategoryRatio: Double
    public var mean: Double
    public var standardDeviation: Double
    /// Quantiles keyed by probability (numeric features).
    public var quantiles: [(probability: Double, value: Double)]
    /// The reference and the window side by side, as counts: what a page draws.
    public var bins = Bins()
    /// Vector features: what the tests compared, for the page and the event.
    public var vector: VectorEvidence?

    /// A vector feature's tests beyond the deciding MMD².
    public struct VectorEvidence: Sendable, Hashable {
        public var dimension: Int
        /// σ of the Gaussian kernel the MMD² is under.
        public var bandwidth: Double
        /// The distance between means beyond which a window drawn like the reference falls
        /// at the drift rate (nil: the reference is too small to calibrate).
        public var meanDistanceThreshold: Double?
        /// The reconstruction band for this window's size, when the reference has one.
        public var reconstructionBand: ClosedRange<Double>?
        public var reconstructionDrifted: Bool
        /// The window's mean on the reference's first two principal axes.
        public var projectedMean: [Double]
        /// Reference rows and the window's first rows on those axes, x and y alternating.
        public var referenceProjection: [Double] = []
        public var windowProjection: [Double] = []
    }

    /// Counts on the PSI bins (numeric features: `edges` are the inner edges, the outer
    /// bins open) or on the reference's categories and one more for those it never saw.
    public struct Bins: Sendable, Hashable {
        public var edges: [Double] = []
        public var categories: [String] = []
        public var reference: [Int] = []
        public var current: [Int] = []
    }

    public var drifted: Bool { level == .drift }

    public func score(_ method: Method) -> Score? { scores.first { $0.method == method } }
}
