import Foundation
import MexTestSupport
import Testing

/// gpsd-style replay: the bundled sample video through the real `mexd scan`, compared
/// with checked-in output (Tests/Fixtures/golden), wall-clock fields masked.
/// Regenerate after an intended change with MEXD_UPDATE_GOLDEN=1 swift test --filter Golden.
@Suite struct GoldenScanTests {
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    static let volatile: Set<String> = ["time", "elapsed_s", "decode_fps"]

    static func masked(_ line: Substring) -> NSDictionary {
        var object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        for key in volatile { object[key] = nil }
        return object as NSDictionary
    }

    static func scan(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = MexdRun.executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func sampleScanMatchesTheGoldenOutput() throws {
        let (status, output) = try Self.scan(["scan", "--no-classify", "Samples/sample.mp4"])
        #expect(status == 0)
        let golden = Fixtures.url("golden/sample-scan.jsonl")
        if ProcessInfo.processInfo.environment["MEXD_UPDATE_GOLDEN"] != nil {
            try output.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8).split(separator: "\n").map(Self.masked)
        let actual = output.split(separator: "\n").map(Self.masked)
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) { #expect(a == e, "\(a) vs \(e)") }
    }

    /// A face that sways without any expression gives no event. With the region gains
    /// bounded to 0.25-4 instead of 0.5-2, a brow region's edge motion was scaled into
    /// two false events here (scores of 9 and 15), each costing TV-L1 and the classifier.
    @Test func aSwayingFaceWithoutExpressionGivesNoEvent() throws {
        let run = try MexdRun("scan", "--no-classify", TestVideos.astronautSway.path)
        #expect(run.status == 0)
        #expect(run.records("EOF").first?["frames"] as? Int == 300)
        #expect(run.records("EVENT").isEmpty, "\(run.records("EVENT"))")
    }

    @Test func sampleEventsMatchItsAnnotations() throws {
        let (_, output) = try Self.scan(["scan", "--no-classify", "Samples/sample.mp4"])
        let predictions = TestVideos.folder.appendingPathComponent("sample-scan.jsonl")
        try output.write(to: predictions, atomically: true, encoding: .utf8)
        let run = try MexdRun("eval", "--json", predictions.path, Self.root.appendingPathComponent("Samples/sample.csv").path)
        #expect(run.status == 0)
        let report = try #require(run.records.first)
        let micro = try #require(report["micro"] as? [String: Any])
        #expect(micro["tp"] as? Int == 4, "\(report)")
        #expect((micro["f1"] as? Double ?? 0) >= 0.85)
    }

    @Test func eventsCarryLabelsWithAModel() throws {
        let model = Fixtures.url("skd-tstsan/model.onnx").path
        let (status, output) = try Self.scan(["scan", "--model", model, "Samples/sample.mp4"])
        #expect(status == 0)
        let events = output.split(separator: "\n").map(Self.masked).filter { $0["class"] as? String == "EVENT" }
        #expect(events.count >= 3)
        for event in events {
            #expect(["negative", "positive", "surprise"].contains(event["label"] as? String ?? ""))
            let scores = event["scores"] as? [String: Double] ?? [:]
            #expect(abs(scores.values.reduce(0, +) - 1) < 1e-3)
            #expect((event["latency_s"] as? Double ?? 9) < 1.0)
        }
    }
}
