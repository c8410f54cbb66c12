import Foundation
import Logging
import MexCore
import MexFace
import MexPipeline
import MexSource
import MexSpotting
import MexTestSupport
import Testing

/// `SpotterSettings.scoreRate`: above it, every n-th frame is scored and the frames
/// between repeat its motion; at or below it, every frame is.
@Suite struct ScoreRateTests {
    /// The sample's first frames, each face's motion score per frame, with the pipeline
    /// told that the stream runs at `fps`.
    static func scores(fps: Double, settings: SpotterSettings = SpotterSettings()) throws -> (every: Int, scores: [Int: Double]) {
        let logger = Logger(label: "score-rate-test") { _ in SwiftLogNoOpLogHandler() }
        let reader = try FFmpegVideoReader(location: SamplePipelineTests.root.appendingPathComponent("Samples/sample.mp4").path, logger: logger)
        let pipeline = try FacePipeline(source: "sample", fps: fps, detector: try HaarFaceDetector(cascadePath: HaarFaceDetector.defaultCascade),
                                        spotter: settings)
        var scores: [Int: Double] = [:]
        while let frame = try reader.nextFrame(), frame.index < 150 {
            _ = try pipeline.process(frame)
            if let motion = pipeline.lastObservations.first?.motion { scores[frame.index] = motion.score }
        }
        return (pipeline.scoreEvery, scores)
    }

    @Test func atRate50EveryFourthFrameOf200IsScoredAndTheOthersRepeatIt() throws {
        var settings = SpotterSettings()
        settings.scoreRate = 50
        let (every, scores) = try Self.scores(fps: 200, settings: settings)
        #expect(every == 4)
        let frames = scores.keys.sorted()
        try #require(frames.count > 100)
        var changes = 0
        for (a, b) in zip(frames, frames.dropFirst()) where scores[a] != scores[b] {
            changes += 1
            #expect((b - frames[0]) % 4 == 0, "a new score on frame \(b), between scored frames")
        }
        #expect(changes > frames.count / 8, "the scored frames do score: \(changes) changes in \(frames.count) frames")
    }

    /// The default rate scores every frame of a 200 fps camera, and of slower ones.
    @Test func atOrBelowTheRateEveryFrameIsScored() throws {
        let (every, scores) = try Self.scores(fps: 200)
        #expect(every == 1)
        let frames = scores.keys.sorted()
        let changed = zip(frames, frames.dropFirst()).filter { scores[$0.0] != scores[$0.1] }.count
        #expect(changed > frames.count * 3 / 4, "\(changed) of \(frames.count) frames change the score")
        var settings = SpotterSettings()
        settings.scoreRate = 50
        #expect(try Self.scores(fps: 30, settings: settings).every == 1)
    }
}
