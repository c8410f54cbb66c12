import Foundation
import MexTestSupport
import Testing

/// `mexd scan --jobs N`: several inputs at once, each with its own pipeline.
@Suite struct ScanJobsTests {
    /// Four inputs of distinct names: the sample (four classified events), the
    /// astronaut swaying (a face, bench/scan's video), one drifting, and a test pattern
    /// without a face.
    static let inputs = [ScanReportTests.sample, TestVideos.astronautSway.path, TestVideos.astronautDrift.path, TestVideos.h264MP4.path]

    /// Each source's records, in the order they were written.
    private func bySource(_ run: MexdRun) -> [String: [[String: Any]]] {
        Dictionary(grouping: run.records) { $0["source"] as? String ?? "" }
    }

    /// A source's records, the fields that vary from run to run (times, speeds) left out.
    private func masked(_ records: [[String: Any]]) -> [NSDictionary] {
        records.map { record in
            var record = record
            for key in GoldenScanTests.volatile { record[key] = nil }
            return record as NSDictionary
        }
    }

    @Test func twoJobsOverFourInputsGiveTheRecordsOfFourSeparateScans() throws {
        let run = try MexdRun(arguments: ["scan", "--jobs", "2"] + Self.inputs)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.records.allSatisfy { $0["unparsable"] == nil }, "every line is whole")
        let sources = bySource(run)
        #expect(Set(sources.keys) == Set(Self.inputs))
        for input in Self.inputs {
            let records = sources[input] ?? []
            #expect(records.first?["class"] as? String == "SOURCE", "\(input): SOURCE first")
            #expect(records.last?["class"] as? String == "EOF", "\(input): EOF last")
            #expect(records.dropFirst().dropLast().allSatisfy { $0["class"] as? String == "EVENT" })
            let seqs = records.compactMap { $0["class"] as? String == "EVENT" ? $0["seq"] as? Int : nil }
            #expect(seqs == Array(1..<(seqs.count + 1)), "\(input): EVENT seq 1...n in order")
            let alone = try MexdRun("scan", input)
            #expect(alone.status == 0)
            #expect(masked(records) == masked(alone.records), "\(input): the same records as a scan of it alone")
        }
        #expect(sources[ScanReportTests.sample]?.filter { $0["class"] as? String == "EVENT" }.count == 4)
        // Two at once: the second input opened before the first ended.
        let classes = run.records.map { "\($0["class"] ?? "") \($0["source"] ?? "")" }
        let secondOpened = try #require(classes.firstIndex(of: "SOURCE \(Self.inputs[1])"))
        let firstEnded = try #require(classes.firstIndex(of: "EOF \(Self.inputs[0])"))
        #expect(secondOpened < firstEnded)
    }

    @Test func reportsWithJobsAreOnePerInputAndWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-jobs-\(UUID().uuidString.prefix(8))/")
        let run = try MexdRun(arguments: ["scan", "--jobs", "2", "--no-classify", "--report", folder.path + "/"] + Self.inputs.prefix(3))
        #expect(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["astronaut-drift.html", "astronaut-sway.html", "sample.html"])
        let sample = try String(contentsOf: folder.appendingPathComponent("sample.html"), encoding: .utf8)
        #expect(sample.components(separatedBy: "<section class=\"event\"").count - 1 == 4)
        for name in names {
            let html = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(html.hasSuffix("</html>\n"), "\(name) finished")
        }
    }

    /// The status is that of the first input, in the order given, that failed, whichever
    /// job finished first.
    @Test func theFirstFailureInInputOrderSetsTheStatus() throws {
        let run = try MexdRun("scan", "--jobs", "3", TestVideos.h264MP4.path, "/nonexistent/a.mp4", TestVideos.notAVideo.path)
        #expect(run.status == 66)
        #expect(run.records("EOF").count == 1)
    }

    @Test func aSignalStopsEveryRunningInputAndSkipsTheRest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-jobs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copies = try ["a", "b", "c"].map { name in
            let copy = folder.appendingPathComponent("\(name).mp4")
            try FileManager.default.copyItem(atPath: ScanReportTests.sample, toPath: copy.path)
            return copy.path
        }
        let process = Process()
        process.executableURL = MexdRun.executable
        process.arguments = ["scan", "--jobs", "2", "--no-classify"] + copies
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(120)
        while text.components(separatedBy: "\"class\":\"SOURCE\"").count < 3 && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let records = text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let eofs = records.filter { $0["class"] as? String == "EOF" }
        #expect(Set(eofs.compactMap { $0["source"] as? String }) == Set(copies.prefix(2)))
        #expect(eofs.allSatisfy { $0["end"] as? String == "stopped" })
        #expect(!records.contains { $0["source"] as? String == copies[2] }, "the third input is not started")
        #expect(stderr.contains("\(copies[2]) not scanned"))
    }

    @Test func jobsOutsideOneTo64AreAUsageError() throws {
        for jobs in ["0", "-1", "65"] {
            let run = try MexdRun("scan", "--jobs", jobs, TestVideos.h264MP4.path)
            #expect(run.status == 64, "--jobs \(jobs)")
        }
        let clamped = try MexdRun("scan", "--jobs", "64", TestVideos.h264MP4.path)
        #expect(clamped.status == 0, "more jobs than inputs: one per input")
    }
}
