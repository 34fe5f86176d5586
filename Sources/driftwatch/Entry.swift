import ArgumentParser
import Dispatch
import DriftKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's entry: `Driftwatch` on the global executor while the main thread waits.
///
/// An async `main` ends the main thread in `dispatch_main`, whose `pthread_exit` unwinds it:
/// the search through the binary's unwind tables kept 0.6 MiB of them resident for the
/// process's life. Nothing in driftwatch runs on the main actor.
@main
enum Entry {
    static func main() {
        // Opened when first needed, not linked (`OpenBLAS`): a missing library is named here, as
        // the loader would.
        do {
            try OpenBLAS.checkInstalled()
        } catch {
            StandardError.write("Error: \(error)\n")
            exit(2)
        }
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await Driftwatch.main()
            finished.signal()
        }
        finished.wait()
    }
}
