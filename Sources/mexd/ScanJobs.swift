import Synchronization

/// Runs a scan's inputs at most `workers` at a time (`mexd scan --jobs`). Each worker
/// takes the next input not yet started, in the order given, scans it to its end, and
/// takes the next; its inputs run on its own thread (`ScanJobExecutor`). The worker's
/// number goes with each input, so that what a worker owns (its face detector) is only
/// ever used by one input at a time.
struct ScanJobs {
    let inputs: Int
    let workers: Int

    /// The inputs not yet started, handed out in order.
    private final class Queue: Sendable {
        private let next = Mutex(0)
        private let count: Int

        init(count: Int) { self.count = count }

        func take() -> Int? {
            next.withLock { next in
                guard next < count else { return nil }
                defer { next += 1 }
                return next
            }
        }
    }

    /// Scans every input with `scan(input, worker)`; returns the statuses in input order.
    func run(_ scan: @escaping @Sendable (_ input: Int, _ worker: Int) async -> ExitStatus) async -> [ExitStatus] {
        let queue = Queue(count: inputs)
        // Kept here until every worker has ended: a task does not own its preferred executor.
        let executors = (0..<workers).map { ScanJobExecutor(label: "mexd-scan-\($0 + 1)") }
        var statuses = [ExitStatus](repeating: .ok, count: inputs)
        await withTaskGroup(of: [(input: Int, status: ExitStatus)].self) { group in
            for (worker, executor) in executors.enumerated() {
                group.addTask(executorPreference: executor) {
                    var done: [(input: Int, status: ExitStatus)] = []
                    while let input = queue.take() {
                        done.append((input, await scan(input, worker)))
                    }
                    return done
                }
            }
            for await done in group {
                for (input, status) in done { statuses[input] = status }
            }
        }
        withExtendedLifetime(executors) {}
        return statuses
    }
}
