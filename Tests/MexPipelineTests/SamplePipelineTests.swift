import Foundation
import Logging
import MexCore
import MexFace
import MexPipeline
import MexSource
import MexSpotting
import MexTestSupport
import Testing

/// The pipeline on its own: the golden sample's frames in (Samples/sample.mp4 decoded as
/// `mexd scan` decodes it), event candidates out, with the default detector and spotter
/// settings. The candidates must be those of the golden scan output
/// (Tests/Fixtures/golden/sample-scan.jsonl) exactly, and match the sample's ground truth
/// (Samples/sample.csv) by the MEGC rule.
@Suite(.serialized) struct SamplePipelineTests {
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()

    /// What a key frame of an event is, for comparing the pipeline with the records.
    struct Spotted: Equatable, CustomStringConvertible {
        var kind: String
        var onset: Int
        var apex: Int
        var offset: Int
        var description: String { "\(kind) \(onset)/\(apex)/\(offset)" }
    }

    /// The sample's candidates, computed once: the decode and the pipeline take seconds.
    /// (The suite is serialized so that only one test thread waits on this at a time.)
    static let run: Result<(fps: Double, candidates: [EventCandidate]), any Error> = Result(catching: {
        let logger = Logger(label: "pipeline-test") { _ in SwiftLogNoOpLogHandler() }
        let reader = try FFmpegVideoReader(location: root.appendingPathComponent("Samples/sample.mp4").path, logger: logger)
        let fps = reader.info.fps ?? 30
        let pipeline = try FacePipeline(source: "sample", fps: fps,
                                        detector: try HaarFaceDetector(cascadePath: HaarFaceDetector.defaultCascade),
                                        spotter: SpotterSettings())
        var candidates: [EventCandidate] = []
        while let frame = try reader.nextFrame() { candidates += try pipeline.process(frame) }
        candidates += pipeline.finish()
        return (fps, candidates)
    })

    /// The EVENT records of the golden `mexd scan --no-classify Samples/sample.mp4`.
    static func goldenEvents() throws -> [[String: Any]] {
        let text = try String(contentsOf: Fixtures.url("golden/sample-scan.jsonl"), encoding: .utf8)
        return text.split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["class"] as? String == "EVENT" }
    }

    static func frame(_ record: [String: Any], _ key: String) -> Int? {
        ((record[key] as? [String: Any])?["frame"] as? NSNumber)?.intValue
    }

    @Test func theSamplesFramesGiveTheGoldenEvents() throws {
        let (fps, candidates) = try Self.run.get()
        #expect(fps == 30)
        let golden = try Self.goldenEvents()
        try #require(golden.count == 4, "the golden file holds the sample's four events")
        let expected = golden.map {
            Spotted(kind: $0["kind"] as? String ?? "?", onset: Self.frame($0, "onset") ?? -1,
                    apex: Self.frame($0, "apex") ?? -1, offset: Self.frame($0, "offset") ?? -1)
        }
        let found = candidates.map {
            Spotted(kind: $0.interval.kind.rawValue, onset: $0.onset.frame, apex: $0.apex.frame, offset: $0.offset.frame)
        }
        #expect(found == expected)
        guard candidates.count == golden.count else { return }

        for (candidate, record) in zip(candidates, golden) {
            // The key frames are the spotter's interval, and carry the frames' own time.
            #expect(candidate.onset.frame == candidate.interval.onset && candidate.offset.frame == candidate.interval.offset)
            #expect(candidate.apex.frame == candidate.interval.apex)
            for key in [candidate.onset, candidate.apex, candidate.offset] {
                #expect(abs(key.pts - Double(key.frame) / fps) < 1e-6)
                #expect(key.crop.width > 0 && key.crop.width == key.crop.height, "a square crop for the classifier")
            }
            // The rest of what the EVENT record is made from, to its printed precision.
            let spot = record["spot"] as? [String: Any] ?? [:]
            let face = record["face"] as? [String: Any] ?? [:]
            let quality = record["quality"] as? [String: Any] ?? [:]
            #expect(candidate.trackID == record["track_id"] as? Int)
            #expect(abs(candidate.interval.peakScore - (spot["score"] as? Double ?? .nan)) <= 5e-5)
            #expect(abs(candidate.interval.threshold - (spot["threshold"] as? Double ?? .nan)) <= 5e-5)
            #expect(abs(candidate.latency - (record["latency_s"] as? Double ?? .nan)) <= 5e-4)
            #expect(abs(candidate.confidence - (face["confidence"] as? Double ?? .nan)) <= 5e-4)
            let box = candidate.box.rounded
            #expect([box.x, box.y, box.width, box.height] == face["box"] as? [Int])
            #expect(candidate.interval.headMotion == quality["head_motion"] as? Bool)
            #expect(candidate.droppedFrames == 0 && quality["dropped_frames"] as? Int == 0, "a file loses no frame")
            #expect(candidate.source == "sample")
        }
    }

    /// Each annotated expression of Samples/sample.csv is found once, of its kind, by the
    /// MEGC rule (intersection over union of the frame intervals at least 0.5), with the
    /// apex within 2 frames of the annotated one; nothing else is found.
    @Test func theSamplesEventsMatchItsGroundTruth() throws {
        let (_, candidates) = try Self.run.get()
        let csv = try String(contentsOf: Self.root.appendingPathComponent("Samples/sample.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        let truth = rows.map { Spotted(kind: $0[4], onset: Int($0[1]) ?? -1, apex: Int($0[2]) ?? -1, offset: Int($0[3]) ?? -1) }
        try #require(truth.count == 4)
        #expect(candidates.count == truth.count, "\(candidates.map(\.interval))")
        for t in truth {
            let matches = candidates.filter { c in
                let inter = max(0, min(t.offset, c.offset.frame) - max(t.onset, c.onset.frame) + 1)
                let union = (t.offset - t.onset + 1) + (c.offset.frame - c.onset.frame + 1) - inter
                return Double(inter) / Double(union) >= 0.5
            }
            #expect(matches.count == 1, "\(t)")
            guard let match = matches.first else { continue }
            #expect(match.interval.kind.rawValue == t.kind, "\(t)")
            #expect(abs(match.apex.frame - t.apex) <= 2, "apex of \(t): \(match.apex.frame)")
        }
    }
}
