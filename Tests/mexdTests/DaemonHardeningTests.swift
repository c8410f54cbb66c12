import Foundation
import MexTestSupport
import Testing

/// A live `mexd run` against hostile clients: lines that used to stop it, a seeded
/// protocol fuzzer, and many SCANs. The daemon must keep serving, and a watcher must
/// lose no event.
@Suite(.serialized) struct DaemonHardeningTests {
    static let roots = "scan_roots = [\"\(TestVideos.folder.path)\"]"

    /// The lines that crashed the daemon: a `?` request with no class (an unchecked
    /// index) and a WATCH interval that overflowed a time amount at the next STATS.
    @Test func hostileLinesGetErrorsAndTheDaemonServesOn() throws {
        let daemon = try DaemonUnderTest(sources: "", daemon: Self.roots)
        #expect(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let client = try ProtocolClient(path: daemon.socketPath)
        for line in ["?", "?;", "?=", "?=;", #"{"class":"WATCH","enable":true,"stats":1e10}"#,
                     #"{"class":"WATCH","enable":true,"stats":1e999}"#, #"{"class":"POLL","count":1e300}"#,
                     #"{"class":"POLL","since":-0.5}"#] {
            client.send(line)
        }
        // The largest interval allowed, then two STATS ticks (stats_interval = 1).
        client.send(#"{"class":"WATCH","enable":true,"stats":86400}"#)
        client.read(timeout: 3)
        client.send(#"{"class":"VERSION"}"#)
        client.read(timeout: 3) { $0.className == "VERSION" && client.all("VERSION").count >= 2 }
        #expect(client.all("ERROR").count == 8, "\(client.all("ERROR"))")
        #expect(client.all("VERSION").count == 2, "the daemon answers after the hostile lines: \(daemon.stderr)")
        #expect(client.all("STATS").count == 1, "one STATS, then none for a day")
        #expect(daemon.process.isRunning)
        let second = try ProtocolClient(path: daemon.socketPath)
        second.read(timeout: 2) { $0.className == "VERSION" }
        #expect(second.all("VERSION").count == 1, "new clients are served")
    }

    /// 10^4 fuzzed lines over 8 connections while a watcher receives a source's events:
    /// no crash, every line answered or refused, no event lost by the watcher.
    @Test func fuzzedProtocolLeavesTheDaemonServingAndTheWatcherWhole() throws {
        let sources = """
            [sources.clip]
            kind = "file"
            path = "\(DaemonTests.sample)"
            realtime = true
            """
        let daemon = try DaemonUnderTest(sources: sources, limits: "max_scans = 1\nscan_queue = 4", daemon: Self.roots)
        #expect(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let watcher = try ProtocolClient(path: daemon.socketPath)
        watcher.send(#"{"class":"WATCH","enable":true}"#)

        let report = FuzzDriver(socketPath: daemon.socketPath, seed: 2026, lines: 10_000, connections: 8,
                                linesPerConnection: 500, deadline: 120, scanPaths: [TestVideos.h264MP4.path, "/etc/passwd", "relative.mp4"]).run()
        #expect(daemon.process.isRunning, "no crash: \(daemon.stderr.suffix(2000))")
        #expect(report.lines == 10_000, "every line was sent within the deadline: \(report)")
        #expect(report.errors > 1000, "malformed lines get ERROR: \(report)")

        // The clip plays on; its EOF ends the watch.
        watcher.read(timeout: 60) { $0.className == "EOF" && $0["source"] as? String == "clip" }
        let seen = watcher.all("EVENT").filter { $0["source"] as? String == "clip" }.compactMap { $0.int("seq") }
        #expect(!seen.isEmpty, "the clip's events reached the watcher")
        let poller = try ProtocolClient(path: daemon.socketPath)
        poller.send(#"{"class":"POLL","since":0,"count":1000,"sources":["clip"]}"#)
        poller.read(timeout: 5) { _ in poller.all("EVENT").count == (poller.all("POLL").first?.int("count") ?? -1) }
        let journaled = poller.all("EVENT").compactMap { $0.int("seq") }
        #expect(seen == journaled, "the watcher saw exactly what was journaled")
        #expect(poller.all("POLL").first?["more"] as? Bool == false)
    }

    /// SCANs beyond max_scans wait, beyond scan_queue are refused, and a finished scan
    /// leaves SOURCES.
    @Test func scansAreLimitedQueuedAndForgottenOnceDone() throws {
        let daemon = try DaemonUnderTest(sources: "", limits: "max_scans = 2\nscan_queue = 3", daemon: Self.roots)
        #expect(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let client = try ProtocolClient(path: daemon.socketPath)
        client.send(#"{"class":"WATCH","enable":true}"#)
        for _ in 0..<8 { client.send(#"{"class":"SCAN","path":"\#(TestVideos.h264MP4.path)"}"#) }
        client.send(#"{"class":"SCAN","path":"/etc/passwd"}"#)
        client.read(timeout: 10, untilAll: { $0.all("SCAN").count + $0.all("ERROR").count >= 9 })
        let answers = client.all("SCAN")
        #expect(answers.map { $0["state"] as? String } == ["running", "running", "queued", "queued", "queued"])
        #expect(answers.compactMap { $0.int("position") } == [0, 1, 2])
        let errors = client.all("ERROR").compactMap { $0["message"] as? String }
        #expect(errors.count == 4)
        #expect(errors.prefix(3).allSatisfy { $0.contains("max_scans") }, "\(errors)")
        #expect(errors.last?.contains("scan_roots") == true, "\(errors)")

        // All five scans end; SOURCES is empty again.
        client.read(timeout: 60, untilAll: { $0.all("EOF").count >= 5 })
        #expect(client.all("EOF").count == 5)
        Thread.sleep(forTimeInterval: 0.5)
        client.send(#"{"class":"SOURCES"}"#)
        client.read(timeout: 3) { $0.className == "SOURCES" && client.all("SOURCES").count >= 2 }
        let listed = client.all("SOURCES").last?["sources"] as? [[String: Any]]
        #expect(listed?.isEmpty == true, "finished scans leave SOURCES: \(String(describing: listed))")
    }

    /// The issue's bound: after 100 SCANs, SOURCES lists only the configured sources and
    /// the scans still running.
    @Test func aHundredScansLeaveOnlyTheConfiguredSources() throws {
        let sources = """
            [sources.idle]
            kind = "file"
            path = "\(TestVideos.h264MP4.path)"
            enabled = false
            """
        let daemon = try DaemonUnderTest(sources: sources, limits: "max_scans = 4\nscan_queue = 100", daemon: Self.roots)
        #expect(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let client = try ProtocolClient(path: daemon.socketPath)
        client.send(#"{"class":"WATCH","enable":true}"#)
        for _ in 0..<100 { client.send(#"{"class":"SCAN","path":"\#(TestVideos.variableRateMKV.path)"}"#) }
        client.read(timeout: 120, untilAll: { $0.all("EOF").count >= 100 })
        #expect(client.all("SCAN").count == 100 && client.all("ERROR").isEmpty, "\(client.all("ERROR").prefix(2))")
        #expect(client.all("EOF").count == 100)
        #expect(Set(client.all("EOF").compactMap { $0["source"] as? String }).count == 100)
        Thread.sleep(forTimeInterval: 0.5)
        client.send(#"{"class":"SOURCES"}"#)
        client.read(timeout: 3) { $0.className == "SOURCES" && client.all("SOURCES").count >= 2 }
        let listed = (client.all("SOURCES").last?["sources"] as? [[String: Any]])?.compactMap { $0["source"] as? String }
        #expect(listed == ["idle"], "\(String(describing: listed))")
        #expect(daemon.process.isRunning)
    }
}
