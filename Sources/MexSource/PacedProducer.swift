import Foundation
import MexCore

/// Plays a file as a camera delivers frames: each frame is held back until its time
/// (its pts from the first frame, on a monotonic clock started at the first frame) and
/// then stamped with the wall-clock time it was released, as a capture timestamp is.
/// With `SourceOpener.overflowPolicy(for:live:)`'s drop-oldest queue behind it, a
/// pipeline that falls behind loses frames and counts them, as with a camera, instead
/// of slowing the file down; the frame-to-record latency then has the wall clock as
/// its reference (`live` in mexd.toml(5)).
///
/// A frame decoded after its time is released at once: decoding slower than real time
/// shows as late frames, not as skipped ones.
public final class PacedProducer: FrameProducer {
    private let inner: any FrameProducer
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant?
    private var firstPts = 0.0
    /// Wakes a wait for a frame's time early; raised by `interrupt()`.
    private let wake = NSCondition()
    private var interrupted = false

    public init(_ inner: any FrameProducer) {
        self.inner = inner
    }

    public var info: StreamInfo { inner.info }
    public var statistics: SourceStatistics { inner.statistics }

    public func nextFrame() throws(SourceError) -> Frame? {
        guard let frame = try inner.nextFrame() else { return nil }
        let now = clock.now
        if start == nil {
            start = now
            firstPts = frame.pts
        }
        let due = start! + .seconds(max(0, frame.pts - firstPts))
        if due > now {
            wake.lock()
            let deadline = Date(timeIntervalSinceNow: (due - now).inSeconds)
            while !interrupted && clock.now < due {
                if !wake.wait(until: deadline) { break }
            }
            let stop = interrupted
            wake.unlock()
            if stop { return nil }
        }
        return Frame(index: frame.index, pts: frame.pts, wallTime: Date(), image: frame.image)
    }

    public func interrupt() {
        wake.lock()
        interrupted = true
        wake.broadcast()
        wake.unlock()
        inner.interrupt()
    }
}
