import Foundation
import MexCore
import MexTestSupport
import MexVision
import Testing

/// The headless-browser harness itself, on small pages written for each test: what the
/// report's tests rely on it to see (DOM, console errors, pixels) it must see, and a
/// page that never finishes must not hold up the test run.
/// One browser at a time: each is several processes, and CI has two cores.
@Suite(.serialized) struct HeadlessChromiumTests {
    static let folder: URL = {
        let url = TestVideos.folder.appendingPathComponent("chromium-pages")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// `body` as a page of its own in the test folder.
    static func page(_ name: String, _ body: String) throws -> URL {
        let url = folder.appendingPathComponent("\(name).html")
        let html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(name)</title></head>\n<body>\n\(body)\n</body></html>\n"
        try html.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func cleanPageHasNoErrorsAndItsScriptsHaveRun() throws {
        let url = try Self.page("clean", """
            <div id="static-marker">made in HTML</div>
            <script>
            console.log("drawing");
            setTimeout(() => {
              const late = document.createElement("p");
              late.id = "timer-marker";
              document.body.appendChild(late);
            }, 300);
            </script>
            """)
        let (dom, messages) = try HeadlessChromium().dumpDOM(file: url)
        #expect(dom.hasPrefix("<!DOCTYPE html>"))
        #expect(dom.contains(#"<div id="static-marker">made in HTML</div>"#))
        #expect(dom.contains(#"id="timer-marker""#), "a 300 ms timer has run within the settle time")
        #expect(messages.filter(\.isError).isEmpty, "\(messages)")
        #expect(messages.contains(ConsoleMessage(level: .log, message: "drawing", source: url.absoluteString, line: 6)))
    }

    @Test func consoleErrorIsAnError() throws {
        let url = try Self.page("console-error", """
            <script>
            console.warn("careful");
            console.error("x", 42);
            </script>
            """)
        let messages = try HeadlessChromium().dumpDOM(file: url).consoleMessages
        #expect(messages == [
            ConsoleMessage(level: .warning, message: "careful", source: url.absoluteString, line: 5),
            ConsoleMessage(level: .error, message: "x 42", source: url.absoluteString, line: 6),
        ])
    }

    @Test func uncaughtExceptionIsAnError() throws {
        let url = try Self.page("exception", """
            <script>
            function draw() { throw new TypeError("no such picture"); }
            draw();
            </script>
            <script>Promise.reject(new Error("never handled"));</script>
            """)
        let errors = try HeadlessChromium().dumpDOM(file: url).consoleMessages.filter(\.isError)
        #expect(errors.map(\.message) == ["Uncaught TypeError: no such picture", "Uncaught (in promise) Error: never handled"])
        #expect(errors.first?.line == 5, "the line of the throw")
    }

    @Test func missingPictureIsAnError() throws {
        let url = try Self.page("missing-picture", #"<img src="crops/nowhere.png" alt="a crop">"#)
        let errors = try HeadlessChromium().dumpDOM(file: url).consoleMessages.filter(\.isError)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.source == Self.folder.appendingPathComponent("crops/nowhere.png").absoluteString)
        #expect(errors.first?.message.contains("ERR_FILE_NOT_FOUND") == true, "\(errors)")
    }

    /// The screenshot, decoded, shows the block where the page put it, in its color:
    /// this also checks ImageCodec's channel order on a PNG Chromium wrote.
    @Test func screenshotShowsAColoredBlock() throws {
        let url = try Self.page("block", """
            <div style="position:absolute; left:0; top:0; width:100px; height:80px; background:rgb(200,30,40)"></div>
            <p style="position:absolute; left:10px; top:100px; font:20px sans-serif">Apex</p>
            """)
        let png = try HeadlessChromium().screenshot(file: url, width: 320, height: 240)
        let picture = try ImageCodec.decodeColor(png)
        #expect(picture.width == 320 && picture.height == 240)
        #expect(picture[50, 40] == (red: 200, green: 30, blue: 40))
        #expect(picture[300, 200] == (red: 255, green: 255, blue: 255))
        let text = (100..<130).flatMap { y in (10..<80).map { x in picture[x, y] } }
        #expect(text.contains { $0.red < 100 }, "the word is drawn: a font is installed")
    }

    @Test func missingChromiumIsAClearError() {
        #expect {
            try HeadlessChromium(executable: "/nonexistent/chromium")
        } throws: { error in
            guard case ChromiumError.notInstalled(let searched) = error else { return false }
            return searched == ["/nonexistent/chromium"] && "\(error)".contains("scripts/test-setup")
        }
    }

    @Test func missingPageIsAnError() throws {
        let nowhere = Self.folder.appendingPathComponent("nowhere.html")
        #expect(throws: ChromiumError.self) { try HeadlessChromium().dumpDOM(file: nowhere) }
        #expect(throws: ChromiumError.self) { try HeadlessChromium().screenshot(file: nowhere, width: 64, height: 64) }
    }

    @Test func pageThatNeverFinishesTimesOut() throws {
        let url = try Self.page("endless", "<script>while (true) {}</script>")
        let start = ContinuousClock.now
        #expect {
            try HeadlessChromium(timeout: .seconds(5)).dumpDOM(file: url)
        } throws: { error in
            guard case ChromiumError.timedOut = error else { return false }
            return true
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}
