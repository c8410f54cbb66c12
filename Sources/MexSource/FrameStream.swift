import Foundation
import MexCore

/// What a `FrameStream` does when its consumer falls behind (docs/ARCHITECTURE.md
/// section 6, back-pressure).
public enum OverflowPolicy: Sendable, Equatable {
    /// Files: never drop; the producer thread waits, so decoding slows to the
    /// consumer's pace.
    case block
    /// Live sources: keep the newest frames, drop the oldest queued one, and count it.
    case dropOldest
}

/// Runs a blocking `FrameProducer` on a thread of its own and hands its frames to one
/// async consumer through a bounded queue.
///
/// The producer's blocking reads never occupy Swift's cooperative thread pool, and
/// the queue lets decoding of the next frames overlap with processing of this one.
/// One consumer only: iterate it once.
public final class FrameStream: AsyncSequence, Sendable {
    public typealias Element = Frame
    public typealias Failure = SourceError

    public let info: StreamInfo
    private let pump: Pump

    public init(_ producer: some FrameProducer, capacity: Int = 8, policy: OverflowPolicy) {
        precondition(capacity > 0)
        self.info = producer.info
        self.pump = Pump(producer: producer, capacity: capacity, policy: policy)
    }

    /// The producer's counters so far; final once iteration has returned nil or thrown.
    public var statistics: SourceStatistics { pump.statistics }

    /// Waits for the producer thread to end (after the end of the stream, an error or
    /// `stop()`) and returns its final counters. A producer stuck in a read that
    /// cannot be interrupted (a FIFO with no writer) is given up on after `timeout`,
    /// and the counters returned are those of the frames delivered so far.
    public func finalStatistics(timeout: Duration = .seconds(5)) async -> SourceStatistics {
        await withCheckedContinuation { continuation in pump.whenFinished(continuation, timeout: timeout) }
        return pump.statistics
    }

    /// Frames the producer has read from the source so far, whether or not they were
    /// delivered or dropped: a stall check's evidence that the source still sends,
    /// however far behind the consumer is.
    public var arrivals: Int { pump.arrivals }

    /// Stops the producer; the consumer's pending or next `next()` returns nil.
    public func stop() { pump.cancel() }

    public func makeAsyncIterator() -> Iterator {
        pump.startOnce()
        return Iterator(token: IteratorToken(pump: pump))
    }

    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let token: IteratorToken

        public mutating func next(isolation actor: isolated (any Actor)? = #isolation) async throws(SourceError) -> Frame? {
            let pump = token.pump
            let result: Result<Frame?, SourceError> = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    pump.take(continuation)
                }
            } onCancel: {
                pump.cancel()
            }
            return try result.get()
        }

        public mutating func next() async throws(SourceError) -> Frame? {
            try await next(isolation: nil)
        }
    }
}

/// Stops the producer thread when the consumer abandons iteration (breaks out of
/// its loop), so a file is not decoded to its end for nobody.
final class IteratorToken: Sendable {
    let pump: FrameStream.Pump
    init(pump: FrameStream.Pump) { self.pump = pump }
    deinit { pump.cancel() }
}

extension FrameStream {
    /// The queue between the producer thread and the consumer. All mutable state is
    /// guarded by `condition`.
    final class Pump: @unchecked Sendable {
        private let condition = NSCondition()
        private let producer: any FrameProducer
        private let capacity: Int
        private let policy: OverflowPolicy
        private var queue: [Frame] = []
        private var queueHead = 0
        private var waiter: CheckedContinuation<Result<Frame?, SourceError>, Never>?
        private var ending: Result<Void, SourceError>?
        private var endDelivered = false
        private var cancelled = false
        private var started = false
        private var dropped = 0
        private var delivered = 0
        private var arrived = 0
        private var finalStatistics: SourceStatistics?
        private var finishWaiters: [CheckedContinuation<Void, Never>] = []

        init(producer: any FrameProducer, capacity: Int, policy: OverflowPolicy) {
            self.producer = producer
            self.capacity = capacity
            self.policy = policy
        }

        var statistics: SourceStatistics {
            condition.lock(); defer { condition.unlock() }
            var stats = finalStatistics ?? SourceStatistics()
            if finalStatistics == nil {
                // The producer is still running; what is known is what was delivered.
                stats.frames = delivered
                stats.endReason = cancelled ? .stopped : .running
            }
            stats.droppedFrames += dropped
            return stats
        }

        func startOnce() {
            condition.lock()
            let first = !started
            started = true
            condition.unlock()
            guard first else { return }
            let thread = Thread { [self] in self.run() }
            thread.name = "mexd-source"
            thread.start()
        }

        private var queued: Int { queue.count - queueHead }

        private func popFront() -> Frame {
            let frame = queue[queueHead]
            queueHead += 1
            if queueHead > 64 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            return frame
        }

        private func run() {
            var outcome: Result<Void, SourceError> = .success(())
            while true {
                condition.lock()
                let stop = cancelled
                condition.unlock()
                if stop { break }
                do {
                    guard let frame = try producer.nextFrame() else { break }
                    push(frame)
                } catch {
                    outcome = .failure(error)
                    break
                }
            }
            var stats = producer.statistics
            condition.lock()
            if stats.endReason == .running { stats.endReason = cancelled ? .stopped : .endOfStream }
            finalStatistics = stats
            ending = outcome
            let pending = waiter
            waiter = nil
            if pending != nil { endDelivered = true }
            let finishers = finishWaiters
            finishWaiters = []
            condition.broadcast()
            condition.unlock()
            pending?.resume(returning: outcome.map { nil })
            for finisher in finishers { finisher.resume() }
        }

        var arrivals: Int {
            condition.lock(); defer { condition.unlock() }
            return arrived
        }

        private func push(_ frame: Frame) {
            condition.lock()
            arrived += 1
            while true {
                if cancelled { break }
                // Checked on every pass: the consumer may have drained the queue and
                // started waiting while this thread slept on a full queue.
                if let pending = waiter {
                    waiter = nil
                    delivered += 1
                    condition.unlock()
                    pending.resume(returning: .success(frame))
                    return
                }
                if queued < capacity {
                    queue.append(frame)
                    break
                }
                switch policy {
                case .block:
                    condition.wait()
                case .dropOldest:
                    _ = popFront()
                    dropped += 1
                }
            }
            condition.unlock()
        }

        func whenFinished(_ continuation: CheckedContinuation<Void, Never>, timeout: Duration) {
            condition.lock()
            if finalStatistics != nil || !started {
                condition.unlock()
                continuation.resume()
                return
            }
            finishWaiters.append(continuation)
            let id = finishWaiters.count - 1
            condition.unlock()
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout.inSeconds) { [self] in
                self.condition.lock()
                // Still waiting: resume it here; run() will find the list emptied.
                guard self.finalStatistics == nil, id < self.finishWaiters.count else {
                    self.condition.unlock()
                    return
                }
                let waiters = self.finishWaiters
                self.finishWaiters = []
                self.condition.unlock()
                for waiter in waiters { waiter.resume() }
            }
        }

        func take(_ continuation: CheckedContinuation<Result<Frame?, SourceError>, Never>) {
            condition.lock()
            if queued > 0 {
                let frame = popFront()
                delivered += 1
                condition.signal()
                condition.unlock()
                continuation.resume(returning: .success(frame))
            } else if let ending, !endDelivered {
                endDelivered = true
                condition.unlock()
                continuation.resume(returning: ending.map { nil })
            } else if ending != nil || cancelled {
                condition.unlock()
                continuation.resume(returning: .success(nil))
            } else {
                precondition(waiter == nil, "FrameStream has one consumer")
                waiter = continuation
                condition.unlock()
            }
        }

        func cancel() {
            condition.lock()
            let alreadyCancelled = cancelled
            cancelled = true
            let pending = waiter
            waiter = nil
            condition.broadcast()
            condition.unlock()
            guard !alreadyCancelled else { return }
            producer.interrupt()
            pending?.resume(returning: .success(nil))
        }
    }
}
