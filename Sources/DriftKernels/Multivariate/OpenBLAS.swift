#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The OpenBLAS and LAPACK routines driftwatch calls, from the library opened with `dlopen`
/// when first needed rather than linked.
///
/// A library the executable links has its thread-local storage set up in every thread the
/// process starts: OpenBLAS's is 60 KiB, zeroed in each of the agent's 16 threads (about
/// 0.9 MiB resident). Its mapping adds 2.3 MiB more (its function tables for every CPU,
/// relocated at load; libgfortran). Small matrix products are computed without it
/// (``MatrixProduct``), so an agent whose products stay small (no PCA to fit, no vector
/// features, Kolmogorov distributions of effective samples up to about 10,000) never opens it.
package struct OpenBLAS: Sendable {
    /// `cblas_dgemm`: order, transpose A, transpose B, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc.
    typealias GeneralProduct = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32, Double,
        UnsafeMutablePointer<Double>?, Int32
    ) -> Void
    /// `cblas_dsyrk`: order, triangle, transpose, n, k, alpha, A, lda, beta, C, ldc.
    typealias SymmetricRankUpdate = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32
    ) -> Void
    /// LAPACK `dsyevd_` (Fortran convention: every argument by address).
    typealias SymmetricEigen = @convention(c) (
        UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafePointer<Int32>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>,
        UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>, UnsafeMutablePointer<Int32>,
        UnsafePointer<Int32>, UnsafeMutablePointer<Int32>
    ) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void

    // cblas.h's enumerations.
    static let rowMajor: Int32 = 101
    static let columnMajor: Int32 = 102
    static let noTranspose: Int32 = 111
    static let transpose: Int32 = 112
    static let upper: Int32 = 121

    let dgemm: GeneralProduct
    let dsyrk: SymmetricRankUpdate
    let dsyevd: SymmetricEigen

    /// Why the library cannot be used.
    package struct LoadError: Error, CustomStringConvertible {
        package let description: String
    }

    /// The library's soname, as Debian's libopenblas0 installs it.
    static let name = "libopenblas.so.0"

    private static let opened: Result<OpenBLAS, LoadError> = openLibrary()

    /// The routines, the library opened on first use. ``checkInstalled()`` has passed at the
    /// executable's start, so only a library removed since fails here.
    static var routines: OpenBLAS {
        switch opened {
        case .success(let library): library
        case .failure(let error): preconditionFailure(error.description)
        }
    }

    /// Whether `dlopen` would find the library, without opening it: as the loader searches, the
    /// folders of `LD_LIBRARY_PATH`, then its cache, then `/lib` and `/usr/lib`. Every command
    /// calls this at start, so that a missing library is named there as the loader would.
    package static func checkInstalled(_ library: String = name) throws(LoadError) {
        let folders = (getenv("LD_LIBRARY_PATH").map { String(cString: $0) } ?? "").split(separator: ":").map(String.init)
        if folders.contains(where: { access("\($0)/\(library)", R_OK) == 0 }) { return }
        if loaderCacheNames(library) { return }
        if ["/lib", "/usr/lib"].contains(where: { access("\($0)/\(library)", R_OK) == 0 }) { return }
        throw LoadError(description: "\(library) is not installed (Debian: libopenblas0): PCA and vector features need it")
    }

    /// Whether the loader's cache (`/etc/ld.so.cache`, tens of KiB; read only up to 16 MiB) holds `library`.
    private static func loaderCacheNames(_ library: String) -> Bool {
        let descriptor = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0, status.st_size <= 16 << 20 else { return false }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var count = 0
        while count < size {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, size - count) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            count += got
        }
        let needle = Array(library.utf8) + [0]
        guard count >= needle.count else { return false }
        return (0...(count - needle.count)).contains { start in
            bytes[start] == needle[0] && bytes[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    private static func openLibrary() -> Result<OpenBLAS, LoadError> {
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown"
            return .failure(LoadError(description: "\(name) could not be opened (install libopenblas0): \(reason)"))
        }
        func symbol<Routine>(_ symbol: String, as type: Routine.Type) -> Result<Routine, LoadError> {
            guard let address = dlsym(handle, symbol) else {
                return .failure(LoadError(description: "\(name) has no \(symbol)"))
            }
            return .success(unsafeBitCast(address, to: type))
        }
        // The handle stays open for the life of the process: the routines point into it.
        return symbol("openblas_set_num_threads", as: SetThreads.self).flatMap { setThreads in
            // OpenBLAS starts a thread per core and lets them spin after every call; for
            // driftwatch's small matrices that steals the core the pipeline runs on.
            setThreads(1)
            return symbol("cblas_dgemm", as: GeneralProduct.self).flatMap { dgemm in
                symbol("cblas_dsyrk", as: SymmetricRankUpdate.self).flatMap { dsyrk in
                    symbol("dsyevd_", as: SymmetricEigen.self).map { OpenBLAS(dgemm: dgemm, dsyrk: dsyrk, dsyevd: $0) }
                }
            }
        }
    }
}
