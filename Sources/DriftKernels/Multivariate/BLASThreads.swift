import COpenBLAS

/// OpenBLAS starts a thread per core and lets them spin after every call; for driftwatch's
/// small matrices that steals the core the pipeline runs on. One thread is enough.
enum BLASThreads {
    static let single: Void = openblas_set_num_threads(1)

    /// Call before any BLAS or LAPACK routine.
    static func configure() { _ = single }
}
