import Foundation
import MexTestSupport
import Testing

/// `mexd scan --report`: the HTML report's content, its naming rule, and a stopped scan.
@Suite struct ScanReportTests {
    static let sample = DaemonTests.sample

    private func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func theSampleReportIsSelfContainedWithFourEventsOnItsTimeline() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("sample.html").path
        let run = try MexdRun("scan", "--report", path, Self.sample)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.records("EVENT").count == 4)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"), "finished")
        #expect(count("<section class=\"event\"", in: html) == 4)
        #expect(count("<rect class=\"event micro\"", in: html) == 4)
        // Three faces and two flow pictures per event, all inline.
        #expect(count("src=\"data:image/jpeg;base64,", in: html) == 20)
        #expect(html.contains("TV-L1, the classifier"))
        // Nothing is fetched: no remote URL, no script.
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("<script"))
        #expect(html.contains("SYNTHETIC ONLY"), "the model card's caveat is in the summary")
        #expect(html.contains("<video controls preload=\"none\" src=\"file://"))
    }

    @Test func withoutAModelTheFlowIsTheSpottersDIS() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("r.html").path
        let run = try MexdRun("scan", "--no-classify", "--report", path, Self.sample)
        #expect(run.status == 0)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(count("DIS, the spotter", in: html) == 4)
        #expect(html.contains("not classified"))
    }

    @Test func severalInputsGetOneReportEachInAFolder() throws {
        let folder = try temporaryFolder()
        let reports = folder.appendingPathComponent("reports").path + "/"
        let run = try MexdRun("scan", "--no-classify", "--report", reports, TestVideos.h264MP4.path, TestVideos.h264MP4.path)
        #expect(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: reports).sorted()
        let base = TestVideos.h264MP4.deletingPathExtension().lastPathComponent
        #expect(names == ["\(base)-2.html", "\(base).html"])
        let usage = try MexdRun("scan", "--report", folder.appendingPathComponent("one.html").path, Self.sample, Self.sample)
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("several inputs need a folder"))
        let unwritable = try MexdRun("scan", "--report", "/nonexistent/folder/r.html", TestVideos.h264MP4.path)
        #expect(unwritable.status == 73)
    }

    /// SIGINT ends the scan through the same path as the end of the file: the report
    /// is whole, with the events found so far.
    @Test func aStoppedScanStillLeavesAWholeReport() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("stopped.html").path
        let process = Process()
        process.executableURL = MexdRun.executable
        process.arguments = ["scan", "--report", path, "--no-classify", Self.sample]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(120)
        while !text.contains("\"class\":\"EVENT\"") && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        try #require(text.contains("\"class\":\"EVENT\""), "an event before the interrupt")
        kill(process.processIdentifier, SIGINT)
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let events = count("\"class\":\"EVENT\"", in: text)
        #expect(events < 4, "stopped before the end")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasSuffix("</html>\n"))
        #expect(count("<section class=\"event\"", in: html) == events)
        #expect(html.contains("stopped (signal"))
    }
}
