import ArgumentParser
import Dispatch

/// The process's entry: `Driftwatch` on the global executor while the main thread waits.
///
/// An async `main` ends the main thread in `dispatch_main`, whose `pthread_exit` unwinds it:
/// the search through the binary's unwind tables kept 0.6 MiB of them resident for the
/// process's life. Nothing in driftwatch runs on the main actor.
@main
enum Entry {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await Driftwatch.main()
            finished.signal()
        }
        finished.wait()
    }
}
