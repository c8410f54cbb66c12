import Foundation
import MexTestSupport
import Testing

@Suite struct ClassifyCommandTests {
    static let model = Fixtures.url("skd-tstsan/model.onnx").path

    @Test func printsOneClassificationRecord() throws {
        let run = try MexdRun("classify", TestVideos.astronautDrift.path, "--onset", "5", "--apex", "10", "--offset", "15",
                              "--model", Self.model)
        #expect(run.status == 0, "\(run.stderr)")
        let records = run.records
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record["class"] as? String == "CLASSIFICATION")
        #expect(record["track_id"] as? Int == 1)
        #expect((record["apex"] as? [String: Any])?["frame"] as? Int == 10)
        let classes = ["negative", "positive", "surprise"]
        #expect(classes.contains(record["label"] as? String ?? ""))
        let scores = try #require(record["scores"] as? [String: Double])
        #expect(Set(scores.keys) == Set(classes))
        #expect(abs(scores.values.reduce(0, +) - 1) < 1e-3)
        #expect(scores[record["label"] as! String] == scores.values.max())
        let box = try #require((record["face"] as? [String: Any])?["box"] as? [Int])
        #expect(box.count == 4 && abs(Double(box[0]) - TestVideos.astronautFaceX(5)) < 8)
        #expect((record["model"] as? [String: Any])?["classes"] as? Int == 3)
    }

    @Test func keyTimesPickTheNearestFrames() throws {
        let run = try MexdRun("classify", TestVideos.astronautDrift.path, "--onset-pts", "0.2", "--apex-pts", "0.31",
                              "--offset-pts", "0.5", "--model", Self.model)
        #expect(run.status == 0)
        let record = try #require(run.records.first)
        #expect((record["onset"] as? [String: Any])?["frame"] as? Int == 6)
        #expect((record["apex"] as? [String: Any])?["frame"] as? Int == 9)
        #expect((record["offset"] as? [String: Any])?["frame"] as? Int == 15)
    }

    @Test func errorsAreClear() throws {
        let outOfRange = try MexdRun("classify", TestVideos.astronautDrift.path, "--onset", "5", "--apex", "10", "--offset", "99",
                                     "--model", Self.model)
        #expect(outOfRange.status == 65)
        #expect(outOfRange.stderr.contains("key frame out of range"))
        let noFace = try MexdRun("classify", TestVideos.h264MP4.path, "--onset", "5", "--apex", "10", "--offset", "15",
                                 "--model", Self.model)
        #expect(noFace.status == 65)
        #expect(noFace.stderr.contains("no face detected at the onset frame 5"))
        let badOrder = try MexdRun("classify", TestVideos.h264MP4.path, "--onset", "5", "--apex", "4", "--offset", "15")
        #expect(badOrder.status == 64)
        let badModel = try MexdRun("classify", TestVideos.astronautDrift.path, "--onset", "5", "--apex", "10", "--offset", "15",
                                   "--model", TestVideos.notAVideo.path)
        #expect(badModel.status == 65)
        #expect(badModel.stderr.split(separator: "\n").count == 1)
    }
}
