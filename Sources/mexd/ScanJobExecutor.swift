import Dispatch

/// Where one `mexd scan` job's frame loop runs: a serial dispatch queue, so a thread
/// of the job's own, instead of the concurrency pool.
///
/// A file read as fast as it decodes never suspends at an `await`, so a frame loop on
/// the pool holds one of its threads (one per core) until the file ends. Two jobs on
/// two cores would hold them all, and the event deliveries (classification results
/// written to stdout and the report) would wait until a file ended; more jobs than
/// cores would not run at the same time at all.
final class ScanJobExecutor: TaskExecutor, Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
