import Foundation

/// Debian's Chromium, headless, on local HTML files: a page's DOM once it has settled,
/// with every console message it caused, or a screenshot of it. Each call runs a
/// browser of its own with a throwaway profile; none outlives `timeout`.
///
/// Console messages come through the DevTools protocol over --remote-debugging-pipe
/// (Runtime.consoleAPICalled, Runtime.exceptionThrown and Log.entryAdded), not from
/// --enable-logging=stderr: Chromium 156 prints every console call there as
/// `INFO:CONSOLE:<line>] "<text>", source: <url> (<line>)` whatever its level, so
/// console.log and console.error cannot be told apart, a message with a newline runs
/// over several lines unescaped, and a resource that fails to load (a missing <img src>)
/// is not printed at all. The protocol reports each with its level.
///
/// scripts/test-setup installs Debian's chromium; without it, `init` throws.
public struct HeadlessChromium: Sendable {
    public let executable: String
    /// How long one run may take in all, start-up included, before Chromium is killed.
    public var timeout: Duration
    /// Virtual time a page's timers run for after it has loaded (Chromium's
    /// --virtual-time-budget): timers fire at once and in order, so a page that draws
    /// itself from scripts is finished without the test waiting in real time.
    public var settleTime: Duration

    /// Chromium at `executable`, or the first `chromium` on PATH, or /usr/bin/chromium.
    public init(executable: String? = nil, timeout: Duration = .seconds(30),
                settleTime: Duration = .seconds(1)) throws(ChromiumError) {
        let candidates = executable.map { [$0] } ?? Self.searchPaths()
        guard let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw .notInstalled(searched: candidates)
        }
        self.executable = found
        self.timeout = timeout
        self.settleTime = settleTime
    }

    static func searchPaths() -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/chromium" } + ["/usr/bin/chromium"]
    }

    /// The page's DOM serialized as HTML, doctype included (what --dump-dom prints, here
    /// taken with DOM.getOuterHTML), after it has loaded and its timers have run for
    /// `settleTime`; and the console messages of that time in the order they came.
    public func dumpDOM(file: URL) throws(ChromiumError) -> (dom: String, consoleMessages: [ConsoleMessage]) {
        let profile = try Self.makeProfile()
        defer { try? FileManager.default.removeItem(at: profile) }
        let chromium = try ChromiumProcess(executable: executable, arguments: Self.arguments(profile: profile),
                                           devToolsPipe: true, timeout: timeout)
        defer { chromium.kill() }  // on an error, before its profile goes
        let devTools = DevToolsConnection(chromium)
        let page = try PageSession.open(in: devTools)
        try page.load(file)
        try page.settle(for: settleTime)
        let dom = try page.outerHTML()
        _ = try? devTools.send("Browser.close")
        try chromium.waitForExit()
        return (dom, devTools.events.compactMap { ConsoleMessage(devToolsEvent: $0.method, params: $0.params) })
    }

    /// A PNG of the page in a width x height window, scrollbars hidden, after it has
    /// loaded and its timers have run for `settleTime` (Chromium's --screenshot).
    public func screenshot(file: URL, width: Int, height: Int) throws(ChromiumError) -> [UInt8] {
        let profile = try Self.makeProfile()
        defer { try? FileManager.default.removeItem(at: profile) }
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw .failed("no page at \(file.path)", stderrTail: "")
        }
        let png = profile.appendingPathComponent("screenshot.png")
        let budget = Int(settleTime / .milliseconds(1))
        let chromium = try ChromiumProcess(
            executable: executable,
            arguments: Self.arguments(profile: profile) + [
                "--window-size=\(width),\(height)", "--virtual-time-budget=\(budget)",
                "--screenshot=\(png.path)", file.absoluteURL.absoluteString,
            ],
            devToolsPipe: false, timeout: timeout)
        defer { chromium.kill() }
        let status = try chromium.waitForExit()
        guard status == 0, let bytes = try? Data(contentsOf: png) else {
            throw .failed("--screenshot wrote no picture (exit status \(status))", stderrTail: chromium.stderrTail)
        }
        return [UInt8](bytes)
    }

    /// Flags of every run. --no-sandbox: CI runs as root, where Chromium's sandbox
    /// refuses to start. --disable-dev-shm-usage: containers often have a small
    /// /dev/shm, which crashes the renderer. --allow-file-access-from-files: a page
    /// may read the files next to it (its pictures, data).
    private static func arguments(profile: URL) -> [String] {
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--user-data-dir=\(profile.path)", "--allow-file-access-from-files", "--hide-scrollbars",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio"]
    }

    private static func makeProfile() throws(ChromiumError) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-chromium-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .failed("cannot make a profile folder at \(url.path): \(error)", stderrTail: "")
        }
        return url
    }
}
