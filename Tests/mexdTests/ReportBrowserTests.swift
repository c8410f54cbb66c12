import Foundation
import MexCore
import MexTestSupport
import MexVision
import Testing

/// The sample's scan report in a real browser (Debian's chromium, headless; installed
/// by scripts/test-setup). Console messages are read through the DevTools protocol
/// (`HeadlessChromium.dumpDOM`: Runtime.consoleAPICalled, Runtime.exceptionThrown and
/// Log.entryAdded over --remote-debugging-pipe), so a failed image or a script error
/// counts, not only console.error.
@Suite(.serialized) struct ReportBrowserTests {
    /// The annotated intervals of Samples/sample.csv: onset and offset frames.
    static func annotated() throws -> [(onset: Int, offset: Int)] {
        let csv = try String(contentsOfFile: (DaemonTests.sample as NSString).deletingPathExtension + ".csv", encoding: .utf8)
        return csv.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",")
            return (Int(f[1])!, Int(f[3])!)
        }
    }

    /// `name="value"` attributes of each tag that starts with `prefix`, from the DOM.
    static func tags(_ prefix: String, in dom: String) -> [[String: String]] {
        var out: [[String: String]] = []
        var rest = dom[...]
        while let start = rest.range(of: prefix) {
            let tail = rest[start.lowerBound...]
            guard let end = tail.firstIndex(of: ">") else { break }
            let tag = String(tail[..<end])
            var attributes: [String: String] = [:]
            let pattern = #/([a-z-]+)="([^"]*)"/#
            for match in tag.matches(of: pattern) { attributes[String(match.1)] = String(match.2) }
            out.append(attributes)
            rest = tail[end...]
        }
        return out
    }

    @Test func theSampleReportLoadsCleanlyWithFourEventsWhereTheyHappened() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-browser-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let report = folder.appendingPathComponent("sample.html")
        let scan = try MexdRun("scan", "--report", report.path, DaemonTests.sample)
        #expect(scan.status == 0, "\(scan.stderr)")

        let browser = try HeadlessChromium()
        let (dom, messages) = try browser.dumpDOM(file: report)
        #expect(messages.filter(\.isError).isEmpty, "console errors: \(messages.filter(\.isError))")
        #expect(messages.filter { $0.level == .warning }.isEmpty, "console warnings: \(messages)")

        // The timeline: one shaded rect per event, at the annotated intervals.
        let events = Self.tags("<rect class=\"event ", in: dom)
        #expect(events.count == 4)
        let truth = try Self.annotated()
        for (event, interval) in zip(events.sorted { Int($0["data-onset"]!)! < Int($1["data-onset"]!)! }, truth) {
            let onset = try #require(event["data-onset"].flatMap(Int.init)), offset = try #require(event["data-offset"].flatMap(Int.init))
            let shared = max(0, min(offset, interval.offset) - max(onset, interval.onset) + 1)
            let union = max(offset, interval.offset) - min(onset, interval.onset) + 1
            #expect(Double(shared) / Double(union) >= 0.5, "event \(onset)-\(offset) vs annotated \(interval)")
            // Times agree with frames at 30 fps.
            let time = try #require(event["data-onset-time"].flatMap(Double.init))
            #expect(abs(time - Double(onset) / 30) < 0.02)
            #expect(event["width"].flatMap(Double.init) ?? 0 > 1, "shaded, not a hairline")
        }
        // The summary is shown and the "incomplete" note hidden (the scan finished).
        #expect(dom.contains("<style>.partial{display:none}</style>"))
        #expect(Self.tags("<section class=\"event\"", in: dom).count == 4)

        // Pixels: not blank, and the timeline's event shading is drawn.
        let png = try browser.screenshot(file: report, width: 1200, height: 1180)
        let image = try ImageCodec.decodeColor(png)
        var colours = Set<Int>(), white = 0, orange = 0
        for p in stride(from: 0, to: image.pixels.count, by: 3) {
            let r = Int(image.pixels[p]), g = Int(image.pixels[p + 1]), b = Int(image.pixels[p + 2])
            colours.insert(r << 16 | g << 8 | b)
            if r > 245 && g > 245 && b > 245 { white += 1 }
            if r > 230 && (190...225).contains(g) && (160...205).contains(b) { orange += 1 }
        }
        let total = image.width * image.height
        #expect(colours.count > 500, "a page with faces and plots has many colours: \(colours.count)")
        #expect(Double(white) / Double(total) < 0.9, "not blank: \(white) of \(total) white")
        #expect(orange > 1_000, "the four events' shading is on screen: \(orange) pixels")
    }
}
