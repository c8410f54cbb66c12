import Foundation
import MexTestSupport
import Testing

/// Runs the built `mexd` executable, as a user or a script would.
struct MexdRun {
    var status: Int32
    /// Killed by a signal (a crash: a trap, a fault, an abort), not an exit.
    var crashed: Bool
    var stdout: String
    var stderr: String

    var records: [[String: Any]] {
        stdout.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsable": String(line)]
        }
    }

    func records(_ kind: String) -> [[String: Any]] { records.filter { $0["class"] as? String == kind } }

    static let executable: URL = {
        // The test bundle sits in the same build folder as the products.
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return folder.appendingPathComponent("mexd")
    }()

    init(_ arguments: String...) throws {
        try self.init(arguments: arguments)
    }

    init(arguments: [String]) throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        crashed = process.terminationReason == .uncaughtSignal
        stdout = String(decoding: outData, as: UTF8.self)
        stderr = String(decoding: errData, as: UTF8.self)
        // What scan, events and watch print is protocol records (mexd-protocol(7)).
        if ["scan", "events", "watch"].contains(arguments.first ?? "") && !arguments.contains("--human") {
            for record in records { ProtocolSchema.check(record, from: "mexd \(arguments.joined(separator: " "))") }
        }
    }
}

@Suite struct ScanCommandTests {
    @Test func scanPrintsSourceAndEOFWithExactlyAllFrames() throws {
        let run = try MexdRun("scan", TestVideos.h264MP4.path)
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        let records = run.records
        #expect(records.count == 2)
        #expect(records.first?["class"] as? String == "SOURCE")
        #expect(records.first?["state"] as? String == "online")
        #expect(records.first?["fps"] as? Double == 30)
        let eof = try #require(run.records("EOF").first)
        #expect(eof["frames"] as? Int == 300)
        #expect(eof["end"] as? String == "eof")
        #expect(eof["corrupt_packets"] as? Int == 0)
        #expect(abs((eof["duration_s"] as? Double ?? 0) - 10) < 1e-6)
        #expect((eof["decode_fps"] as? Double ?? 0) > 0)
        #expect(!run.stdout.contains("null"))
        // Every record starts with its class, gpsd style.
        #expect(run.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("{\"class\":") })
    }

    /// `--no-classify` asks for unlabelled events: none of them warns that a model is
    /// missing, as it does when no model is found.
    @Test func noClassifyEventsCarryNoMissingModelWarning() throws {
        let run = try MexdRun("scan", "--no-classify", GoldenScanTests.root.appendingPathComponent("Samples/sample.mp4").path)
        #expect(run.status == 0)
        #expect(!run.records("EVENT").isEmpty)
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }

    @Test func framesFlagGivesOneRecordPerFrameWithIncreasingPts() throws {
        let run = try MexdRun("scan", "--frames", TestVideos.h264MP4.path)
        let frames = run.records("FRAME")
        #expect(frames.count == 300)
        let pts = frames.compactMap { $0["pts"] as? Double }
        #expect(pts.count == 300)
        #expect(zip(pts, pts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(frames.map { $0["frame"] as? Int } == (0..<300).map { $0 })
    }

    @Test func variableFrameRatePtsReachTheOutput() throws {
        let run = try MexdRun("scan", "--frames", TestVideos.variableRateMKV.path)
        let pts = run.records("FRAME").compactMap { $0["pts"] as? Double }
        #expect(pts.count == 30)
        for (i, p) in pts.enumerated() { #expect(abs(p - TestVideos.variableRatePts(i)) <= 0.0011) }
    }

    @Test func missingFileExits66WithOneClearLine() throws {
        let run = try MexdRun("scan", "/nonexistent/clip.mp4")
        #expect(run.status == 66)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "mexd: error: /nonexistent/clip.mp4: no such file\n")
    }

    @Test func truncatedFilesEndCleanly() throws {
        // MP4 keeps its index at the end: half a file is damaged data (65).
        let mp4 = try MexdRun("scan", TestVideos.truncated(TestVideos.h264MP4, fraction: 0.5).path)
        #expect(mp4.status == 65)
        #expect(mp4.stderr.split(separator: "\n").count == 1)
        #expect(mp4.stderr.contains("damaged"))
        // Matroska decodes up to the cut, then warns; the scan succeeds.
        let mkv = try MexdRun("scan", TestVideos.truncated(TestVideos.h264MKV, fraction: 0.5).path)
        #expect(mkv.status == 0)
        #expect(mkv.stderr.contains("warning:") && mkv.stderr.contains("truncated"))
        let eof = try #require(mkv.records("EOF").first)
        #expect(eof["end"] as? String == "truncated")
        #expect((eof["frames"] as? Int ?? 0) > 0)
        #expect((eof["warnings"] as? [String])?.count == 1)
    }

    @Test func oneBadInputDoesNotStopTheOthers() throws {
        let run = try MexdRun("scan", "/nonexistent/a.mp4", TestVideos.h264MKV.path, TestVideos.audioOnly.path)
        #expect(run.status == 66, "the first failure sets the status")
        #expect(run.records("EOF").first?["frames"] as? Int == 300)
        #expect(run.stderr.contains("has no video stream"))
    }

    @Test func notAVideoExits65() throws {
        let run = try MexdRun("scan", TestVideos.notAVideo.path)
        #expect(run.status == 65)
    }

    @Test func maxFramesStopsEarly() throws {
        let run = try MexdRun("scan", "--max-frames", "10", "--frames", TestVideos.h264MP4.path)
        #expect(run.status == 0)
        #expect(run.records("FRAME").count == 10)
        #expect(run.records("EOF").first?["end"] as? String == "stopped")
    }

    @Test func usageErrorsExit64() throws {
        #expect(try MexdRun("scan").status == 64)
        #expect(try MexdRun("scan", "--max-frames", "0", "x.mp4").status == 64)
        #expect(try MexdRun("frobnicate").status == 64)
    }

    /// A shell that finds mexd on PATH passes argv[0] as plain "mexd"; the bundled model
    /// is still found (from the binary's own path), so events are labelled.
    @Test func theBundledModelIsFoundWhenMexdIsStartedFromPATH() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["mexd", "scan", "--max-frames", "200", ScanReportTests.sample]
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = MexdRun.executable.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin")
        process.environment = environment
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("\"class\":\"EVENT\""))
        #expect(text.contains("\"label\":"), "the first event is classified")
    }

    @Test func devicesSaysPlainlyWhenThereAreNone() throws {
        let run = try MexdRun("devices")
        #expect(run.status == 0)
        if !FileManager.default.fileExists(atPath: "/dev/video0") {
            #expect(run.stdout.contains("No V4L2 cameras found"))
        }
    }
}
