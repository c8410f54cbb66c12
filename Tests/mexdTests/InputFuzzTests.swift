import Foundation
import MexTestSupport
import Testing

/// Damaged videos and configurations, as users hand them to mexd: no crash, a
/// documented exit status, and one clear line saying what is wrong.
@Suite struct InputFuzzTests {
    static let sample = DaemonTests.sample

    @Test func fiftyDamagedVideosExitCleanly() throws {
        let folder = TestVideos.folder.appendingPathComponent("mutants", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mutator = InputMutator(seed: 12)
        let sources = [TestVideos.h264MP4, TestVideos.h264MKV, TestVideos.h264TS, URL(fileURLWithPath: Self.sample)]
        var statuses: [Int32: Int] = [:]
        for index in 0..<50 {
            let (url, mutation) = try mutator.video(index, from: sources, into: folder)
            let run = try MexdRun(arguments: ["scan", "--no-classify", "--max-frames", "90", url.path])
            statuses[run.status, default: 0] += 1
            #expect(!run.crashed, "\(mutation): crashed with signal \(run.status): \(run.stderr.suffix(500))")
            #expect([0, 65, 69].contains(run.status), "\(mutation): exit \(run.status)")
            if run.status != 0 {
                let lines = run.stderr.split(separator: "\n")
                #expect(lines.last?.hasPrefix("mexd: ") == true && lines.last!.contains(url.lastPathComponent),
                        "\(mutation): the last line names the file and the problem: \(run.stderr.suffix(300))")
            }
            try? FileManager.default.removeItem(at: url)
        }
        #expect(statuses[0, default: 0] > 0 && statuses[65, default: 0] > 0, "both readable and unreadable mutants: \(statuses)")
    }

    @Test func damagedConfigurationsAreJudgedNotCrashedOn() throws {
        let example = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Config/mexd.toml")
        let text = try String(contentsOf: example, encoding: .utf8)
        let mutator = InputMutator(seed: 78)
        var statuses: [Int32: Int] = [:]
        for index in 0..<60 {
            let url = TestVideos.folder.appendingPathComponent("mutant-\(index).toml")
            try mutator.config(index, from: text).write(to: url, atomically: true, encoding: .utf8)
            let run = try MexdRun(arguments: ["check-config", "-c", url.path])
            statuses[run.status, default: 0] += 1
            #expect(!run.crashed, "mutant \(index): crashed with signal \(run.status): \(run.stderr.suffix(500))")
            #expect([0, 78].contains(run.status), "mutant \(index): exit \(run.status): \(run.stderr.suffix(300))")
            if run.status == 78 { #expect(run.stderr.contains("mutant-\(index).toml"), "errors name the file: \(run.stderr)") }
        }
        #expect(statuses[78, default: 0] > 10, "\(statuses)")
    }
}
