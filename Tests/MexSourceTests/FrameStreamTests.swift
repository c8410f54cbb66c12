import Foundation
import Logging
import MexCore
import MexTestSupport
import Synchronization
import Testing
@testable import MexSource

/// Makes numbered 2x2 frames as fast as it is asked, and records the high-water mark
/// of frames produced but not yet consumed.
final class CountingProducer: FrameProducer, @unchecked Sendable {
    let info = StreamInfo(kind: .file, location: "counting", width: 2, height: 2, fps: 30, format: "test")
    var statistics = SourceStatistics()
    let total: Int
    let produced = Atomic<Int>(0)
    let interrupted = Atomic<Bool>(false)
    let failAt: Int?

    init(total: Int, failAt: Int? = nil) {
        self.total = total
        self.failAt = failAt
    }

    func nextFrame() throws(SourceError) -> Frame? {
        let n = produced.load(ordering: .relaxed)
        if interrupted.load(ordering: .relaxed) { statistics.endReason = .stopped; return nil }
        if n == failAt { throw .deviceLost("counting") }
        guard n < total else { statistics.endReason = .endOfStream; return nil }
        produced.add(1, ordering: .relaxed)
        statistics.frames += 1
        return Frame(index: n, pts: Double(n) / 30, image: GrayImage(width: 2, height: 2, pixels: [UInt8](repeating: UInt8(n % 256), count: 4)))
    }

    func interrupt() { interrupted.store(true, ordering: .relaxed) }
}

@Suite struct FrameStreamTests {
    @Test func blockingPolicyDeliversEveryFrameInOrderAndBoundsTheQueue() async throws {
        let producer = CountingProducer(total: 200)
        let stream = FrameStream(producer, capacity: 4, policy: .block)
        var seen: [Int] = []
        var maxAhead = 0
        for try await frame in stream {
            seen.append(frame.index)
            maxAhead = max(maxAhead, producer.produced.load(ordering: .relaxed) - seen.count)
            if frame.index % 20 == 0 { try await Task.sleep(for: .milliseconds(2)) }
        }
        #expect(seen == Array(0..<200))
        // The queue holds 4, one may be in the hand-off, one being produced.
        #expect(maxAhead <= 6)
        let stats = await stream.finalStatistics()
        #expect(stats.droppedFrames == 0)
        #expect(stats.endReason == .endOfStream)
    }

    @Test func dropOldestPolicyCountsWhatASlowConsumerLoses() async throws {
        let producer = CountingProducer(total: 300)
        let stream = FrameStream(producer, capacity: 2, policy: .dropOldest)
        var received = 0
        var last = -1
        for try await frame in stream {
            #expect(frame.index > last, "frames stay in order")
            last = frame.index
            received += 1
            try await Task.sleep(for: .milliseconds(1))
        }
        let stats = await stream.finalStatistics()
        #expect(stats.droppedFrames > 0)
        #expect(received + stats.droppedFrames == 300)
        #expect(last == 299, "the newest frame is kept")
    }

    @Test func producerErrorsReachTheConsumerAfterTheFramesBeforeThem() async {
        let stream = FrameStream(CountingProducer(total: 100, failAt: 5), policy: .block)
        var received = 0
        await #expect(throws: SourceError.deviceLost("counting")) {
            for try await _ in stream { received += 1 }
        }
        #expect(received == 5)
    }

    @Test func leavingTheLoopEarlyStopsTheProducer() async throws {
        let producer = CountingProducer(total: 1_000_000)
        let stream = FrameStream(producer, capacity: 4, policy: .block)
        for try await frame in stream where frame.index == 9 { break }
        let stats = await stream.finalStatistics()
        #expect(stats.endReason == .stopped)
        #expect(producer.produced.load(ordering: .relaxed) < 100)
    }

    @Test func fileScanThroughTheStream() async throws {
        let reader = try FFmpegVideoReader(location: TestVideos.h264MP4.path, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let stream = FrameStream(reader, policy: .block)
        var count = 0
        for try await _ in stream { count += 1 }
        #expect(count == 300)
        #expect(await stream.finalStatistics().frames == 300)
    }
}
