import Foundation
import Testing

/// `mexd eval` on the worked example of the MEGC STRS metric's README (Liong, See and
/// Chan 2023), given as CSV files in the annotation format.
@Suite struct EvalCommandTests {
    /// Video, then ground truth and prediction as (onset, offset, emotion).
    static let example: [(video: String, truth: (Int, Int, String), prediction: (Int, Int, String))] = [
        ("EP02_01f", (45, 85, "happiness"), (10, 70, "happiness")),
        ("EP03_02", (130, 160, "others"), (100, 170, "others")),
        ("EP04_02", (20, 75, "others"), (0, 70, "others")),
        ("EP01_11f", (45, 95, "repression"), (20, 90, "happiness")),
        ("EP02_04f", (30, 140, "repression"), (70, 140, "happiness")),
    ]

    /// Rows in the annotation format, all micro-expressions.
    static func csv(_ rows: [(String, (Int, Int, String))]) -> String {
        rows.reduce("video,onset,apex,offset,type,au,label\n") { $0 + "\($1.0),\($1.1.0),,\($1.1.1),micro,,\($1.1.2)\n" }
    }

    /// The example's files in a fresh folder: (predictions, annotations).
    static func files() throws -> (String, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-eval-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let gt = dir.appendingPathComponent("gt.csv"), pred = dir.appendingPathComponent("pred.csv")
        try csv(example.map { ($0.video, $0.truth) }).write(to: gt, atomically: true, encoding: .utf8)
        try csv(example.map { ($0.video, $0.prediction) }).write(to: pred, atomically: true, encoding: .utf8)
        return (pred.path, gt.path)
    }

    @Test func theChallengeExamplePrintsSTRS02() throws {
        let (pred, gt) = try Self.files()
        let run = try MexdRun("eval", pred, gt)
        #expect(run.status == 0, "\(run.stderr)")
        // Spotting TP 3, FP 2, FN 2 (F1 0.6); analysis F1 1/3 over happiness, others, repression.
        #expect(run.stdout.contains("overall                    3     2     2     0.6000  0.6000  0.6000"), "\(run.stdout)")
        #expect(run.stdout.contains("3 classes (happiness, others, repression)"))
        #expect(run.stdout.contains("STRS 0.2000"))
    }

    @Test func jsonCarriesTheAnalysisFigures() throws {
        let (pred, gt) = try Self.files()
        let run = try MexdRun("eval", "--json", pred, gt)
        #expect(run.status == 0, "\(run.stderr)")
        let record = try #require(run.records.first)
        #expect(record["class"] as? String == "EVAL")
        #expect(record["strs"] as? Double == 0.2)
        let analysis = try #require(record["analysis"] as? [String: Any])
        #expect(analysis["classes"] as? [String] == ["happiness", "others", "repression"])
        #expect(analysis["pairs"] as? Int == 3)
        for key in ["precision", "recall", "f1", "uf1", "uar"] { #expect(analysis[key] as? Double == 0.3333, "\(key)") }
        let perClass = try #require(analysis["per_class"] as? [String: [String: Any]])
        #expect(perClass["happiness"]?["fp"] as? Int == 2)
        #expect(perClass["repression"]?["fn"] as? Int == 2)
    }

    @Test func namedClassesReplaceTheGroundTruthClasses() throws {
        // Without happiness: others P 1 R 1, repression 0 and 0 -> analysis F1 0.5, STRS 0.3.
        let (pred, gt) = try Self.files()
        let run = try MexdRun("eval", "--json", "--classes", "others,repression", pred, gt)
        #expect(run.status == 0, "\(run.stderr)")
        let record = try #require(run.records.first)
        #expect((record["analysis"] as? [String: Any])?["f1"] as? Double == 0.5)
        #expect(record["strs"] as? Double == 0.3)
        let empty = try MexdRun("eval", "--classes", " , ", pred, gt)
        #expect(empty.status == 64)
        #expect(empty.stderr.contains("--classes names no class"))
    }
}
