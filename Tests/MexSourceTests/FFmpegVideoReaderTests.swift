import Foundation
import Logging
import MexCore
import MexTestSupport
import Testing
@testable import MexSource

private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// Reads every frame of a file synchronously.
private func readAll(_ url: URL) throws(SourceError) -> (frames: [Frame], reader: FFmpegVideoReader) {
    let reader = try FFmpegVideoReader(location: url.path, logger: logger)
    var frames: [Frame] = []
    while let frame = try reader.nextFrame() { frames.append(frame) }
    return (frames, reader)
}

@Suite struct FFmpegVideoReaderTests {
    @Test func decodesEveryFrameOfAnMP4WithIncreasingPts() throws {
        let (frames, reader) = try readAll(TestVideos.h264MP4)
        #expect(frames.count == 300)
        #expect(reader.info.fps == 30)
        #expect(reader.info.width == 160 && reader.info.height == 120)
        #expect(reader.info.format == "h264")
        #expect(reader.statistics.endReason == .endOfStream)
        #expect(reader.statistics.frames == 300)
        #expect(frames.map(\.index) == Array(0..<300))
        for (a, b) in zip(frames, frames.dropFirst()) { #expect(b.pts > a.pts) }
        #expect(abs(frames[0].pts) < 1e-9)
        #expect(abs(frames[299].pts - 299.0 / 30) < 1e-6)
        #expect(frames.allSatisfy { $0.wallTime == nil })
    }

    @Test(arguments: [TestVideos.h264MKV, TestVideos.h264TS])
    func decodesOtherContainers(_ url: URL) throws {
        let (frames, reader) = try readAll(url)
        #expect(frames.count == 300)
        #expect(reader.statistics.endReason == .endOfStream)
        #expect(abs(frames[0].pts) < 1e-9, "pts count from the stream's start")
    }

    /// Limited-range luma is stretched to full range exactly as swscale's GRAY8 output.
    @Test func grayIsFullRangeLumaBitForBitAsSwscale() throws {
        let (frames, _) = try readAll(TestVideos.h264MP4)
        let reference = TestVideos.referenceGray(TestVideos.h264MP4, width: 160, height: 120)
        #expect(reference.count == 300)
        for i in [0, 1, 150, 299] { #expect(frames[i].image.pixels == reference[i], "frame \(i)") }
    }

    @Test func variableFrameRateFollowsTheRealTimestamps() throws {
        let (frames, _) = try readAll(TestVideos.variableRateMKV)
        #expect(frames.count == 30)
        for frame in frames {
            // Matroska stores milliseconds.
            #expect(abs(frame.pts - TestVideos.variableRatePts(frame.index)) <= 0.0011, "frame \(frame.index): \(frame.pts)")
        }
    }

    @Test func imageSequencesGoThroughSwscaleToGray() throws {
        let (frames, reader) = try readAll(TestVideos.pngSequence)
        #expect(frames.count == 10)
        #expect(reader.info.format == "png")
        // RGB (200, 100, 50) in BT.601 luma, full range: 0.299*200 + 0.587*100 + 0.114*50 = 124.2.
        #expect(abs(frames[0].image.mean - 124.2) < 2.5, "mean \(frames[0].image.mean)")
    }

    @Test func truncatedMatroskaEndsEarlyWithAWarning() throws {
        let (frames, reader) = try readAll(TestVideos.truncated(TestVideos.h264MKV, fraction: 0.5))
        #expect(frames.count > 50 && frames.count < 300)
        #expect(reader.statistics.endReason == .truncated)
        #expect(reader.statistics.warnings.count == 1)
    }

    @Test func truncatedMP4WithoutItsIndexIsDamagedData() {
        #expect {
            _ = try readAll(TestVideos.truncated(TestVideos.h264MP4, fraction: 0.5))
        } throws: { error in
            guard case .notAVideo? = error as? SourceError else { return false }
            return true
        }
    }

    @Test func corruptPacketsAreSkippedAndCounted() throws {
        let (frames, reader) = try readAll(TestVideos.corrupted(TestVideos.h264TS, count: 20))
        #expect(frames.count > 200)
        #expect(reader.statistics.corruptPackets + reader.statistics.corruptFrames > 0)
        #expect(reader.statistics.endReason == .endOfStream)
    }

    @Test func missingFile() {
        #expect(throws: SourceError.noSuchFile("/nonexistent/x.mp4")) {
            _ = try FFmpegVideoReader(location: "/nonexistent/x.mp4", logger: logger)
        }
    }

    @Test func textFileIsNotAVideo() {
        #expect {
            _ = try FFmpegVideoReader(location: TestVideos.notAVideo.path, logger: logger)
        } throws: { error in
            guard case .notAVideo(let path, _)? = error as? SourceError else { return false }
            return path == TestVideos.notAVideo.path
        }
    }

    @Test func audioOnlyFileHasNoVideoStream() {
        #expect(throws: SourceError.noVideoStream(TestVideos.audioOnly.path)) {
            _ = try FFmpegVideoReader(location: TestVideos.audioOnly.path, logger: logger)
        }
    }

    @Test func errorMessagesNameTheInput() {
        #expect(SourceError.noSuchFile("a.mp4").description == "a.mp4: no such file")
        #expect(SourceError.permissionDenied("/dev/video0").description.contains("'video' group"))
    }
}
