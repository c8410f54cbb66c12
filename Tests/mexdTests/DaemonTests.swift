import Foundation
import MexTestSupport
import Testing

/// `mexd run` end to end (issue 6): a real daemon, real sockets, real signals.
@Suite(.serialized) struct DaemonTests {
    static let sample = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples/sample.mp4").path

    static func sources(ghost: Bool = true) -> String {
        var text = """
            [sources.clip]
            kind = "file"
            path = "\(sample)"
            realtime = true

            [sources.quick]
            kind = "file"
            path = "\(TestVideos.h264MP4.path)"
            """
        if ghost {
            text += """

                [sources.ghost]
                kind = "file"
                path = "/nonexistent/camera.mp4"
                reconnect_initial = 0.2
                reconnect_max = 0.5
                """
        }
        return text
    }

    /// A daemon with `sources`, up and READY=1.
    static func started(sources: String = sources(), limits: String = "", daemon: String = "") throws -> DaemonUnderTest {
        let daemon = try DaemonUnderTest(sources: sources, limits: limits, daemon: daemon)
        try #require(daemon.waitForNotify("READY=1"), "READY=1 once config, model and socket are up: \(daemon.stderr)")
        return daemon
    }

    /// Three clients: `a` watches everything with STATS every second, `b` watches clip
    /// and ghost (in gpsd's spelling), and `silent` sends nothing.
    static func clients(of daemon: DaemonUnderTest) throws -> (a: ProtocolClient, b: ProtocolClient, silent: ProtocolClient) {
        let a = try ProtocolClient(path: daemon.socketPath)
        let b = try ProtocolClient(path: daemon.socketPath)
        let silent = try ProtocolClient(path: daemon.socketPath)
        a.send(#"{"class":"WATCH","enable":true,"stats":1}"#)
        b.send(#"?WATCH={"enable":true,"sources":["clip","ghost"]};"#)
        return (a, b, silent)
    }

    /// SIGTERM, and the daemon exits 0.
    static func stop(_ daemon: DaemonUnderTest) {
        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus() == 0, "\(daemon.stderr)")
    }

    /// Answers in order; malformed lines get ERROR and leave the connection open; the
    /// gpsd spelling works; a silent client is subscribed after 2 s.
    @Test func requestsAreAnsweredAndMalformedOnesRefused() throws {
        let daemon = try Self.started()
        let (a, b, silent) = try Self.clients(of: daemon)
        a.send("this is not json")
        a.send(#"{"class":"NOPE"}"#)
        a.send(#"{"class":"WATCH","frames":"yes"}"#)
        a.send(String(repeating: "x", count: 70_000))
        a.send(#"{"class":"VERSION"}"#)
        for client in [a, b, silent] { client.read(timeout: 3) }
        #expect(a.records.first?.className == "VERSION")
        #expect(a.all("ERROR").count == 4, "\(a.all("ERROR"))")
        #expect(a.all("VERSION").count == 2, "the connection survived the bad lines")
        #expect(b.all("SOURCES").count == 1 && b.all("WATCH").count == 1)
        #expect(silent.all("WATCH").first?["events"] as? Bool == true, "a silent client watches events after 2 s")
        let sources = try #require(a.all("SOURCES").first?["sources"] as? [[String: Any]])
        #expect(Set(sources.compactMap { $0["source"] as? String }) == ["clip", "quick", "ghost"])
        Self.stop(daemon)
    }

    /// Every watcher gets every event; a source filter holds; a file ends with EOF and a
    /// missing one reconnects; STATS come at the interval asked.
    @Test func eventsReachEveryWatcherAndSourcesReportTheirState() throws {
        let daemon = try Self.started()
        let (a, b, silent) = try Self.clients(of: daemon)
        // Generous: CI runs other suites beside this one on 2 cores.
        a.read(timeout: 40, untilAll: { client in
            !client.all("EVENT").isEmpty && client.all("EOF").contains { $0["source"] as? String == "quick" } && client.all("STATS").count >= 2
        })
        for client in [b, silent] { client.read(timeout: 1) }
        #expect(a.all("EVENT").count >= 1, "events reach the watchers: \(daemon.stderr)")
        #expect(a.all("EOF").contains { $0["source"] as? String == "quick" }, "a file source ends with EOF")
        #expect(!b.all("EOF").contains { $0["source"] as? String == "quick" }, "b watches clip and ghost only")
        #expect(a.all("SOURCE").contains { $0["source"] as? String == "ghost" && $0["state"] as? String == "reconnecting" })
        #expect(a.all("STATS").count >= 2)
        let seen = Set(a.all("EVENT").compactMap { $0.int("seq") })
        #expect(seen.isSubset(of: Set(b.all("EVENT").compactMap { $0.int("seq") })), "every watcher gets every event")
        #expect(seen.isSubset(of: Set(silent.all("EVENT").compactMap { $0.int("seq") })))
        Self.stop(daemon)
    }

    /// A client that reads nothing loses FRAME records (told by DROPPED), not EVENTs. The
    /// sample is scanned, read as fast as it decodes, so that its 480 FRAMEs overflow the
    /// socket's buffers and the 16-record queue well before it ends.
    @Test func aClientThatDoesNotReadLosesFramesNotEvents() throws {
        let samples = URL(fileURLWithPath: Self.sample).deletingLastPathComponent().path
        let daemon = try Self.started(sources: "", limits: "subscriber_queue = 16", daemon: "scan_roots = [\"\(samples)\"]")
        let a = try ProtocolClient(path: daemon.socketPath)
        let unread = try ProtocolClient(path: daemon.socketPath)
        a.send(#"{"class":"WATCH","enable":true}"#)
        unread.send(#"{"class":"WATCH","enable":true,"frames":true,"sources":["scan-1"]}"#)
        unread.read(timeout: 3) { $0.className == "WATCH" }
        a.send(#"{"class":"SCAN","path":"\#(Self.sample)"}"#)
        a.read(timeout: 60) { $0.className == "EOF" }
        #expect(a.all("EVENT").count >= 1, "\(daemon.stderr)")
        unread.read(timeout: 5, untilAll: { $0.all("EOF").count == 1 })
        #expect(!unread.closed, "a full queue of FRAMEs does not cost the connection")
        #expect(unread.all("DROPPED").count >= 1, "\(unread.records.count) records")
        #expect(unread.all("EVENT").count >= a.all("EVENT").count, "EVENTs push FRAMEs out of a full queue")
        Self.stop(daemon)
    }

    /// SCAN queues a file under scan_roots as a one-off source of its own, and refuses one
    /// outside them.
    @Test func scanRunsAFileUnderTheRootsAndRefusesOthers() throws {
        let daemon = try Self.started(sources: "", daemon: "scan_roots = [\"\(TestVideos.folder.path)\"]")
        let a = try ProtocolClient(path: daemon.socketPath)
        let b = try ProtocolClient(path: daemon.socketPath)
        a.send(#"{"class":"WATCH","enable":true}"#)
        a.read(timeout: 3) { $0.className == "WATCH" }
        b.send(#"{"class":"SCAN","path":"\#(TestVideos.h264MP4.path)"}"#)
        b.send(#"{"class":"SCAN","path":"\#(Self.sample)"}"#)
        b.read(timeout: 30, untilAll: { !$0.all("SCAN").isEmpty && !$0.all("ERROR").isEmpty })
        let scan = try #require(b.all("SCAN").first)
        #expect(scan["state"] as? String == "running")
        #expect(b.all("ERROR").last?["request"] as? String == "SCAN")
        #expect((b.all("ERROR").last?["message"] as? String)?.contains("scan_roots") == true, "a file outside the roots is refused")
        a.read(timeout: 40) { $0.className == "EOF" && $0["source"] as? String == scan["source"] as? String }
        #expect(a.all("EOF").contains { $0["source"] as? String == scan["source"] as? String && $0.int("frames") == 300 })
        Self.stop(daemon)
    }

    /// SIGHUP with ghost gone from the file and a new spotter setting: ghost is disabled,
    /// and the clients keep their connections.
    @Test func reloadDropsARemovedSourceAndKeepsTheClients() throws {
        let daemon = try Self.started(limits: "subscriber_queue = 16")
        let (a, b, silent) = try Self.clients(of: daemon)
        for client in [a, b, silent] { client.read(timeout: 2.5) }
        try daemon.writeConfig(sources: Self.sources(ghost: false) + "\n[spotter]\nmicro_max = 0.45\n", limits: "subscriber_queue = 16")
        daemon.signal(SIGHUP)
        a.read(timeout: 10) { $0.className == "SOURCE" && $0["source"] as? String == "ghost" && $0["state"] as? String == "disabled" }
        #expect(a.all("SOURCE").last { $0["source"] as? String == "ghost" }?["state"] as? String == "disabled")
        for client in [a, b, silent] { client.read(timeout: 1) }
        #expect(!a.closed && !b.closed && !silent.closed)
        Self.stop(daemon)
    }

    /// SIGTERM drains: exit 0, everyone gets SHUTDOWN, every event was journaled first.
    @Test func sigtermDrainsAndEveryClientGetsShutdown() throws {
        let daemon = try Self.started(sources: Self.sources(ghost: false))
        let (a, b, silent) = try Self.clients(of: daemon)
        // The sample's first event, so that there is an event to drain behind.
        a.read(timeout: 40) { $0.className == "EVENT" }
        try #require(!a.all("EVENT").isEmpty, "\(daemon.stderr)")
        daemon.signal(SIGTERM)
        for client in [a, b, silent] { client.read(timeout: 10) { $0.className == "SHUTDOWN" } }
        #expect(daemon.exitStatus() == 0, "\(daemon.stderr)")
        for client in [a, b, silent] { client.read(timeout: 1) }
        let shutdown = try #require(a.all("SHUTDOWN").first)
        #expect(b.all("SHUTDOWN").count == 1 && silent.all("SHUTDOWN").count == 1)
        let seqs = a.all("EVENT").compactMap { $0.int("seq") }
        #expect(shutdown.int("last_seq") == seqs.max() ?? 0, "no event is left open or unpublished")
        if !a.all("EOF").contains(where: { $0["source"] as? String == "clip" }) {
            #expect(a.all("SOURCE").contains { $0["source"] as? String == "clip" && $0["reason"] as? String == "shutdown" })
        }
        for event in a.all("EVENT") where event["end_reason"] != nil {
            #expect(["shutdown", "eof"].contains(event["end_reason"] as? String))
        }

        let events = try MexdRun("events", "--journal", daemon.journalPath)
        #expect(events.status == 0)
        #expect(events.records("EVENT").compactMap { $0["seq"] as? Int } == seqs)
    }

    /// loop = true: a file source starts again after each EOF, as a camera never ends.
    /// `live = true`: the file comes at its own pace, as a camera's frames do, and each
    /// FRAME carries the wall-clock time its frame was released.
    @Test func aLiveFileIsPacedAndItsFramesStampedWithTheWallClock() throws {
        let daemon = try DaemonUnderTest(sources: """
            [sources.live]
            kind = "file"
            path = "\(TestVideos.h264MP4.path)"
            live = true
            """)
        #expect(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let client = try ProtocolClient(path: daemon.socketPath)
        client.send(#"{"class":"WATCH","enable":true,"frames":true}"#)
        let start = Date()
        client.read(timeout: 40, untilAll: { $0.all("EOF").count >= 1 })
        let elapsed = Date().timeIntervalSince(start)
        let eof = try #require(client.all("EOF").first, "\(daemon.stderr)")
        // 300 frames at 30 fps: ten seconds, not the fraction of one that decoding takes.
        #expect(elapsed > 9, "the file took \(elapsed) s")
        #expect(eof.int("frames")! + eof.int("dropped_frames")! == 300, "\(eof)")
        let frames = client.all("FRAME")
        #expect(!frames.isEmpty && frames.allSatisfy { $0["time"] is String }, "FRAME records carry time")
        Self.stop(daemon)
    }

    @Test func aLoopingFileStartsAgainAfterEachEOF() throws {
        let daemon = try DaemonUnderTest(sources: """
            [sources.loop]
            kind = "file"
            path = "\(TestVideos.h264MP4.path)"
            loop = true
            """)
        #expect(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let client = try ProtocolClient(path: daemon.socketPath)
        client.send(#"{"class":"WATCH","enable":true}"#)
        client.read(timeout: 40, untilAll: { $0.all("EOF").count >= 3 })
        #expect(client.all("EOF").count >= 3, "\(daemon.stderr)")
        #expect(client.all("EOF").allSatisfy { $0.int("frames") == 300 })
        let states = client.all("SOURCE").compactMap { $0["state"] as? String }
        #expect(states.filter { $0 == "online" }.count >= 3 && !states.contains("reconnecting"), "\(states)")
    }

    @Test func killMinusNineLosesNoJournaledEvent() throws {
        let first = try DaemonUnderTest(sources: Self.sources(ghost: false))
        #expect(first.waitForNotify("READY=1"))
        let watcher = try ProtocolClient(path: first.socketPath)
        watcher.send(#"{"class":"WATCH","enable":true}"#)
        watcher.read(timeout: 40) { $0.className == "EVENT" }
        let seen = watcher.all("EVENT").compactMap { $0.int("seq") }
        try #require(!seen.isEmpty, "an event before the kill: \(first.stderr)")
        first.signal(SIGKILL)
        _ = first.exitStatus()

        // Same folder, same journal: a restart continues the seq and loses nothing.
        let second = try DaemonUnderTest(folder: first.folder, sources: Self.sources(ghost: false))
        #expect(second.waitForNotify("READY=1"), "a stale socket is replaced: \(second.stderr)")
        let catcher = try ProtocolClient(path: second.socketPath)
        catcher.send(#"{"class":"POLL","since":0,"count":100}"#)
        catcher.send(#"{"class":"WATCH","enable":true}"#)
        catcher.read(timeout: 3)
        let polled = catcher.all("EVENT").compactMap { $0.int("seq") }
        #expect(Set(seen).isSubset(of: Set(polled)), "journaled before published: \(seen) in \(polled)")
        let lastBefore = polled.max() ?? 0
        catcher.read(timeout: 40) { $0.className == "EVENT" }
        let after = try #require(catcher.all("EVENT").compactMap { $0.int("seq") }.last)
        #expect(after > lastBefore, "seq continues after a restart")
        let watch = try MexdRun("watch", "--socket", second.socketPath, "--since", "0", "--count", "1", "--human")
        #expect(watch.status == 0)
        #expect(watch.stdout.contains(" clip #\(seen[0]) "), "\(watch.stdout)")
        catcher.send(#"{"class":"POLL","since":\#(lastBefore)}"#)
        let rest = catcher.read(timeout: 3) { $0.className == "EVENT" && $0.int("seq") == after }
        #expect(rest.first { $0.className == "POLL" }?.int("count") ?? 0 >= 1)
        second.signal(SIGTERM)
        #expect(second.exitStatus() == 0)
    }

    @Test func badConfigurationExits78AndMissingOneExits66() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-badconf-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("mexd.toml").path
        try "[sources.cam0]\nkind = \"v4l2\"\ndevice = \"/dev/video0\"\nfps = -5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try MexdRun("run", "-c", path)
        #expect(bad.status == 78)
        #expect(bad.stderr.contains(":4:"), "the line is named: \(bad.stderr)")
        let missing = try MexdRun("run", "-c", folder.appendingPathComponent("none.toml").path)
        #expect(missing.status == 66)
    }
}

/// A stream source that stops sending goes offline and comes back on a new connection.
@Suite struct DaemonReconnectTests {
    /// Serves the test stream over raw TCP: the first connection gets it and is then
    /// held open with nothing more (a stalled camera); the second gets it and is closed.
    final class StallingServer: @unchecked Sendable {
        let port: UInt16
        private let listener: Int32
        private(set) var connections = 0

        init(payload: Data) throws {
            let (fd, port) = try #require(LoopbackListener.open(backlog: 4))
            self.port = port
            listener = fd
            Thread { [self] in
                var held: [Int32] = []
                for round in 0..<2 {
                    let client = accept(fd, nil, nil)
                    if client < 0 { return }
                    connections += 1
                    payload.withUnsafeBytes { raw in
                        var offset = 0
                        while offset < raw.count {
                            let n = send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                            if n <= 0 { break }
                            offset += n
                        }
                    }
                    if round == 0 { held.append(client) } else { close(client) }
                }
                Thread.sleep(forTimeInterval: 30)
                held.forEach { close($0) }
            }.start()
        }

        deinit { close(listener) }
    }

    @Test func aStalledStreamGoesOfflineReconnectsAndCarriesOn() throws {
        let server = try StallingServer(payload: try Data(contentsOf: TestVideos.h264TS))
        let daemon = try DaemonUnderTest(sources: """
            [sources.stream]
            kind = "file"
            path = "tcp://127.0.0.1:\(server.port)"
            stall_timeout = 1
            reconnect_initial = 0.2
            reconnect_max = 0.5
            """)
        #expect(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let client = try ProtocolClient(path: daemon.socketPath)
        client.send(#"{"class":"WATCH","enable":true}"#)
        client.read(timeout: 60, untilAll: { $0.all("EOF").contains { $0["source"] as? String == "stream" } })
        let states = client.all("SOURCE").filter { $0["source"] as? String == "stream" }.compactMap { $0["state"] as? String }
        #expect(states.contains("offline"), "\(states) \(daemon.stderr)")
        #expect(states.contains("reconnecting"))
        #expect(states.filter { $0 == "online" }.count >= 1, "online again on the new connection")
        #expect(server.connections == 2)
        let eof = try #require(client.all("EOF").first)
        #expect(eof.int("frames") == 300, "the second connection's stream is read whole")
        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus() == 0)
    }
}

@Suite(.serialized) struct DaemonSnapshotTests {
    /// With `[journal] snapshots = true` every EVENT names its pictures, written beside
    /// the journal with mode 0640; each event's score series is journaled after it;
    /// `mexd events --report` draws both; pruning deletes the pictures with the rows.
    @Test func snapshotsAreWrittenReportedAndPrunedWithTheirEvents() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-snapshots-\(UUID().uuidString.prefix(8))")
        let source = """
            [sources.clip]
            kind = "file"
            path = "\(DaemonTests.sample)"
            """
        let config = { (maxEvents: Int, sources: String) in """
            [daemon]
            socket = "$DIR/events.sock"

            [journal]
            path = "$DIR/state/journal.sqlite"
            snapshots = true
            max_events = \(maxEvents)

            \(sources)
            """ }
        let daemon = try DaemonUnderTest(folder: folder, config: config(1000, source))
        #expect(daemon.waitForNotify("READY=1"))
        let watcher = try ProtocolClient(path: daemon.socketPath)
        watcher.send(#"{"class":"WATCH","enable":true}"#)
        // The live view: `mexd watch --report` keeps a page of the latest 3 events.
        let live = folder.appendingPathComponent("live.html").path
        let viewer = Process()
        viewer.executableURL = MexdRun.executable
        viewer.arguments = ["watch", "--socket", daemon.socketPath, "--report", live, "--report-events", "3", "--count", "4"]
        viewer.standardOutput = FileHandle.nullDevice
        try viewer.run()
        watcher.read(timeout: 90) { $0.className == "EOF" }
        let events = watcher.all("EVENT")
        #expect(events.count == 4, "\(daemon.stderr)")
        var pictures: [Int: [String]] = [:]
        for event in events {
            let seq = try #require(event.int("seq"))
            let snapshots = try #require(event["snapshots"] as? [String: String], "EVENT names its pictures")
            #expect(Set(snapshots.keys) == ["onset", "apex", "offset", "flow", "magnitude"])
            for path in snapshots.values {
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                #expect((attributes[.posixPermissions] as? Int) == 0o640, "\(path) is mode 0640")
                let bytes = try #require(FileManager.default.contents(atPath: path))
                #expect(bytes.starts(with: [0xFF, 0xD8]), "\(path) is a JPEG")
            }
            pictures[seq] = Array(snapshots.values)
        }
        let viewed = Date().addingTimeInterval(30)
        while viewer.isRunning && Date() < viewed { Thread.sleep(forTimeInterval: 0.1) }
        #expect(!viewer.isRunning && viewer.terminationStatus == 0, "watch ends after --count events")
        let page = try String(contentsOfFile: live, encoding: .utf8)
        #expect(page.contains("<meta http-equiv=\"refresh\" content=\"2\">"))
        let shown = ReportBrowserTests.tags("<section class=\"event\"", in: page).compactMap { $0["data-seq"].flatMap(Int.init) }
        #expect(shown == Array(pictures.keys.sorted().suffix(3).reversed()), "the latest 3, newest first")
        #expect(page.components(separatedBy: "src=\"data:image/jpeg;base64,").count - 1 == 15)
        // The series of the last event comes a second after its offset; the file ends
        // 3 s after it, so by EOF every series is in.
        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus() == 0)

        let report = folder.appendingPathComponent("events.html").path
        let journal = folder.appendingPathComponent("state/journal.sqlite").path
        let run = try MexdRun("events", "--journal", journal, "--report", report)
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.components(separatedBy: "<section class=\"event\"").count - 1 == 4)
        #expect(html.components(separatedBy: "src=\"data:image/jpeg;base64,").count - 1 == 20, "5 pictures per event")
        #expect(html.components(separatedBy: "<svg class=\"event-curve\"").count - 1 == 4, "each event's journaled curve")

        // A restart with room for one event prunes the other three and their pictures.
        let restarted = try DaemonUnderTest(folder: folder, config: config(1, ""))
        #expect(restarted.waitForNotify("READY=1"))
        let kept = try #require(pictures.keys.max())
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, pictures.filter({ $0.key != kept }).values.joined().contains(where: { FileManager.default.fileExists(atPath: $0) }) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        for (seq, paths) in pictures {
            for path in paths {
                #expect(FileManager.default.fileExists(atPath: path) == (seq == kept), "seq \(seq): \(path)")
            }
        }
        restarted.signal(SIGTERM)
        #expect(restarted.exitStatus() == 0)
    }
}
