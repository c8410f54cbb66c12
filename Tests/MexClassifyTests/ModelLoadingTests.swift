import Foundation
import MexTestSupport
import Testing
@testable import MexClassify

/// Broken models and cards give a `ModelError` naming the problem, never a crash.
@Suite struct ModelLoadingTests {
    static let source = Fixtures.url("skd-tstsan")

    /// A model/card pair in a fresh folder, with the given changes.
    static func variant(_ name: String, model: (Data) -> Data? = { $0 }, card: (String) -> String? = { $0 }) -> String {
        let dir = TestVideos.folder.appendingPathComponent("models-\(name)", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let onnx = try! Data(contentsOf: source.appendingPathComponent("model.onnx"))
        let json = try! String(contentsOf: source.appendingPathComponent("model.json"), encoding: .utf8)
        if let m = model(onnx) { try! m.write(to: dir.appendingPathComponent("m.onnx")) }
        if let c = card(json) { try! c.write(to: dir.appendingPathComponent("m.json"), atomically: true, encoding: .utf8) }
        return dir.appendingPathComponent("m.onnx").path
    }

    static func flipped(_ data: Data, every stride: Int) -> Data {
        var d = data
        for i in Swift.stride(from: 64, to: d.count, by: stride) { d[i] ^= 0x5A }
        return d
    }

    enum Expect { case missingModel, missingCard, unreadable, invalidCard, mismatch, loadsOrUnreadable }

    static let cases: [(String, String, Expect)] = [
        ("missing", variant("missing", model: { _ in nil }), .missingModel),
        ("empty", variant("empty", model: { _ in Data() }), .unreadable),
        ("truncated-10", variant("t10", model: { $0.prefix($0.count / 10) }), .unreadable),
        ("truncated-50", variant("t50", model: { $0.prefix($0.count / 2) }), .unreadable),
        ("truncated-99", variant("t99", model: { $0.prefix($0.count - 100) }), .unreadable),
        ("random-bytes", variant("random", model: { d in
            var g = SplitMix64(seed: 7); return Data((0..<d.count).map { _ in UInt8.random(in: 0...255, using: &g) }) }), .unreadable),
        ("text", variant("text", model: { _ in Data("not a model".utf8) }), .unreadable),
        ("bit-flips", variant("flips", model: { flipped($0, every: 997) }), .loadsOrUnreadable),
        ("no-card", variant("nocard", card: { _ in nil }), .missingCard),
        ("card-not-json", variant("badjson", card: { _ in "{ classes: [" }), .invalidCard),
        ("card-no-classes", variant("noclasses", card: { $0.replacingOccurrences(of: "\"classes\"", with: "\"klasses\"") }), .invalidCard),
        ("card-two-classes", variant("twoclasses", card: { $0.replacingOccurrences(of: "\"surprise\"\n  ]", with: "]").replacingOccurrences(of: "\"positive\",", with: "\"positive\"")
            .replacingOccurrences(of: "\"N\",\n        3", with: "\"N\",\n        2") }), .invalidCard),
        ("card-wrong-input", variant("wronginput", card: { $0.replacingOccurrences(of: "38,", with: "36,") }), .invalidCard),
        ("card-wrong-output-name", variant("wrongname", card: { $0.replacingOccurrences(of: "\"logits\"", with: "\"scores\"") }), .mismatch),
    ]

    @Test(arguments: cases.map { $0.0 })
    func brokenModelIsReportedNotFatal(_ name: String) {
        let (_, path, expect) = Self.cases.first { $0.0 == name }!
        do {
            _ = try Classifier(modelPath: path)
            #expect(expect == .loadsOrUnreadable, "\(name) loaded")
        } catch {
            switch (expect, error) {
            case (.missingModel, .missingModel), (.missingCard, .missingCard), (.unreadable, .unreadable),
                 (.invalidCard, .invalidCard), (.mismatch, .mismatch), (.loadsOrUnreadable, .unreadable),
                 (.loadsOrUnreadable, .mismatch):
                #expect(error.description.contains("m.onnx") || error.description.contains("m.json"), "\(error)")
            default:
                Issue.record("\(name): expected \(expect), got \(error)")
            }
        }
    }

    @Test func cardWithTwoClassesForAThreeClassGraphIsAMismatch() throws {
        let path = Self.variant("classes-mismatch", card: { card in
            // Keep the card self-consistent (2 classes, output (N, 2)); the graph still has 3.
            var data = try! JSONSerialization.jsonObject(with: Data(card.utf8)) as! [String: Any]
            data["classes"] = ["a", "b"]
            var outputs = data["outputs"] as! [[String: Any]]
            outputs[0]["shape"] = ["N", 2]
            data["outputs"] = outputs
            return String(decoding: try! JSONSerialization.data(withJSONObject: data), as: UTF8.self)
        })
        #expect {
            _ = try Classifier(modelPath: path)
        } throws: { error in
            guard case .mismatch(_, let detail)? = error as? ModelError else { return false }
            return detail.contains("3 outputs") && detail.contains("2 classes")
        }
    }
}
