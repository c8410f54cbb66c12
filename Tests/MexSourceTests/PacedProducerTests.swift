import Foundation
import MexCore
import Testing
@testable import MexSource

/// A file played as a camera (`live`): paced by the wall clock, stamped with it, and
/// dropping the oldest frames when the consumer is slow.
@Suite struct PacedProducerTests {
    /// Frames are never released before their time, and each is stamped when it was
    /// released. (Whether a consumer keeps up depends on the machine's load, so drops
    /// are not asserted here; see the next test.)
    @Test func framesComeAtTheirTimeStampedWithTheWallClock() throws {
        // 30 frames at 30 fps: one second, read straight from the producer.
        let producer = PacedProducer(CountingProducer(total: 30))
        let clock = ContinuousClock()
        let start = clock.now
        var frames: [Frame] = []
        while let frame = try producer.nextFrame() { frames.append(frame) }
        let elapsed = (clock.now - start).inSeconds
        #expect(frames.map(\.index) == Array(0..<30))
        #expect(elapsed >= 29.0 / 30 - 0.01, "took \(elapsed) s for 29/30 s of frame times")
        let first = try #require(frames.first?.wallTime)
        for frame in frames {
            let stamp = try #require(frame.wallTime)
            #expect(stamp.timeIntervalSince(first) >= frame.pts - 0.002, "frame \(frame.index) released early")
        }
        #expect(frames.last!.pts == 29.0 / 30, "the file's own times are kept")
    }

    @Test func aSlowConsumerLosesTheOldestFramesAndTheyAreCounted() async throws {
        let stream = FrameStream(PacedProducer(CountingProducer(total: 30)), capacity: 2,
                                 policy: SourceOpener.overflowPolicy(for: .file, live: true))
        var indexes: [Int] = []
        for try await frame in stream {
            indexes.append(frame.index)
            try await Task.sleep(for: .milliseconds(100))   // 10 frames/s against 30
        }
        let statistics = await stream.finalStatistics()
        #expect(indexes.count < 20, "\(indexes)")
        #expect(statistics.droppedFrames == 30 - indexes.count)
        #expect(indexes.last == 29, "the newest frame is kept: \(indexes)")
        #expect(indexes == indexes.sorted())
    }

    @Test func aFileIsNotLiveUnlessAsked() {
        #expect(SourceOpener.overflowPolicy(for: .file) == .block)
        #expect(SourceOpener.overflowPolicy(for: .file, live: true) == .dropOldest)
        #expect(SourceOpener.overflowPolicy(for: .v4l2) == .dropOldest)
    }

    @Test func interruptWakesAProducerWaitingForAFramesTime() throws {
        // Frames ten seconds apart: an interrupt must not wait for the next one's time.
        final class SlowFrames: FrameProducer, @unchecked Sendable {
            let info = StreamInfo(kind: .file, location: "slow", width: 2, height: 2, fps: 0.1, format: "test")
            var statistics = SourceStatistics()
            var n = 0
            func nextFrame() throws(SourceError) -> Frame? {
                defer { n += 1 }
                return Frame(index: n, pts: Double(n) * 10, image: GrayImage(width: 2, height: 2, pixels: [0, 0, 0, 0]))
            }
            func interrupt() {}
        }
        let producer = PacedProducer(SlowFrames())
        #expect(try producer.nextFrame()?.index == 0)
        let clock = ContinuousClock()
        let start = clock.now
        // interrupt() is the one call a producer takes from another thread.
        nonisolated(unsafe) let target = producer
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { target.interrupt() }
        #expect(try producer.nextFrame() == nil, "an interrupted wait ends the stream")
        #expect((clock.now - start).inSeconds < 5)
    }
}
