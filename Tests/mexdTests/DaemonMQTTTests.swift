import Foundation
import MexTestSupport
import Testing

/// `mexd run` with [mqtt] against Debian's mosquitto (issue 16): what a subscriber of
/// the broker sees of the sample, of a SCAN, of kill -9, and of a broker that dies
/// for ten seconds while a camera-paced source goes on.
@Suite(.serialized) struct DaemonMQTTTests {
    static let prefix = "mexd-test"

    /// A configuration with the sample as `clip`, publishing events and states to `broker`.
    static func config(broker: MosquittoBroker, clip: String, scanRoots: [String] = [], model: String = "") -> String {
        """
        [model]
        \(model)

        [daemon]
        socket = "$DIR/events.sock"
        stats_interval = 1
        scan_roots = [\(scanRoots.map { "\"\($0)\"" }.joined(separator: ", "))]

        [journal]
        path = "$DIR/state/journal.sqlite"

        [mqtt]
        host = "127.0.0.1"
        port = \(broker.port)
        topic_prefix = "\(prefix)"
        publish = ["EVENT", "SOURCE"]
        reconnect_initial = 0.2
        reconnect_max = 0.5

        [sources.clip]
        kind = "file"
        path = "\(DaemonTests.sample)"
        \(clip)
        """
    }

    static func started(_ config: String) throws -> DaemonUnderTest {
        let daemon = try DaemonUnderTest(config: config)
        try #require(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        return daemon
    }

    /// The journaled EVENT lines, oldest first, as POLL gives them.
    static func journaledEvents(_ daemon: DaemonUnderTest) throws -> [String] {
        let client = try ProtocolClient(path: daemon.socketPath)
        client.send(#"{"class":"POLL","since":0,"count":1000}"#)
        client.read(timeout: 5, untilAll: { client in
            client.all("POLL").first.map { client.all("EVENT").count == $0.int("count") } ?? false
        })
        return client.lines.filter { $0.hasPrefix(#"{"class":"EVENT""#) }
    }

    static func seq(_ line: String?) -> Int? {
        guard let line, let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return object["seq"] as? Int
    }

    static func on(_ topic: String, _ messages: [MQTTMessage]) -> [MQTTMessage] {
        messages.filter { $0.topic == "\(prefix)/\(topic)" }
    }

    /// The sample's 4 EVENTs arrive on clip/event at QoS 1, each the socket's line; the
    /// states and `online` are retained; a finished SCAN's state is cleared; kill -9
    /// leaves the last will, `offline`, retained.
    @Test func eventsStatesAndStatusReachTheBroker() throws {
        let broker = try MosquittoBroker()
        let subscriber = try MosquittoSubscriber(port: broker.port, topics: ["\(Self.prefix)/#"])
        let daemon = try Self.started(Self.config(broker: broker, clip: "", scanRoots: [TestVideos.folder.path]))
        let watcher = try ProtocolClient(path: daemon.socketPath)
        watcher.send(#"{"class":"WATCH","enable":true}"#)
        watcher.read(timeout: 60) { $0.className == "EOF" && $0["source"] as? String == "clip" }
        let journaled = try Self.journaledEvents(daemon)
        #expect(journaled.count == 4, "\(daemon.stderr)")
        subscriber.wait(timeout: 10) { Self.on("clip/event", $0).count >= journaled.count }
        let events = Self.on("clip/event", subscriber.messages)
        #expect(events.compactMap(\.payload) == journaled, "one message per EVENT, the socket's line: \(daemon.stderr)")
        #expect(events.allSatisfy { $0.qos == 1 && !$0.retained })

        // The latest SOURCE record of clip, retained: it read the file to its end.
        subscriber.wait(timeout: 10) { Self.on("clip/state", $0).last?.payload?.contains(#""state":"eof""#) == true }
        let state = try MosquittoSubscriber.retained(port: broker.port, topic: "\(Self.prefix)/clip/state")
        #expect(state?.payload?.contains(#""state":"eof""#) == true && state?.qos == 1, "\(String(describing: state))")
        #expect(try MosquittoSubscriber.retained(port: broker.port, topic: "\(Self.prefix)/status")?.payload == "online")

        // A SCAN's state comes and, once the scan leaves SOURCES, goes.
        watcher.send(#"{"class":"SCAN","path":"\#(TestVideos.h264MP4.path)"}"#)
        #expect(subscriber.wait(timeout: 40) { messages in
            let scan = Self.on("scan-1/state", messages)
            return scan.count >= 2 && scan.last?.payload == nil
        }, "\(Self.on("scan-1/state", subscriber.messages)) \(daemon.stderr)")
        #expect(try MosquittoSubscriber.retained(port: broker.port, topic: "\(Self.prefix)/scan-1/state") == nil)

        // kill -9: the broker publishes the last will.
        daemon.signal(SIGKILL)
        #expect(subscriber.wait(timeout: 10) { Self.on("status", $0).last?.payload == "offline" })
        let status = try MosquittoSubscriber.retained(port: broker.port, topic: "\(Self.prefix)/status")
        #expect(status?.payload == "offline" && status?.retained == true)
    }

    /// A password file that cannot be read stops the start (exit 78), naming the file;
    /// a broker that is not there does not.
    @Test func anUnreadablePasswordFileStopsTheStart() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-mqtt-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("mexd.toml").path
        try """
            [daemon]
            socket = "\(folder.path)/events.sock"
            [journal]
            path = "\(folder.path)/journal.sqlite"
            [mqtt]
            host = "127.0.0.1"
            username = "mexd"
            password_file = "\(folder.path)/missing-password"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try MexdRun("run", "-c", config)
        #expect(run.status == 78)
        #expect(run.stderr.contains("\(folder.path)/missing-password: no such file"), "\(run.stderr)")
    }

    /// The broker is killed after the first event and comes back ten seconds later,
    /// while the sample plays at its own pace. Every journaled event reaches the broker,
    /// duplicates allowed and counted; the frame loop runs on through the outage (FRAME
    /// records keep coming: a hand-off that waited for the broker would stop them); a
    /// clean stop leaves `offline` retained.
    ///
    /// The sample is paced (`realtime`) rather than played as a camera (`live`), which
    /// drops frames when the pipeline falls behind: on an idle machine the live sample
    /// drops none across the outage, but under the whole suite's load on 2 cores it
    /// drops over a hundred, with or without a broker, and then spots no event at all.
    @Test func aBrokerOutageOfTenSecondsLosesNoEventAndStopsNoFrame() throws {
        // The subscriber's session is persistent and the broker saves it every second,
        // so the restarted broker queues for it whichever of mexd and mosquitto_sub
        // reconnects first: what it receives is what the broker got.
        let broker = try MosquittoBroker(persistence: true)
        let subscriber = try MosquittoSubscriber(port: broker.port, topics: ["\(Self.prefix)/#"], clientID: "outage-\(UUID().uuidString.prefix(6))",
                                                 persistentSession: true)
        // Classification is off: its per-event CPU is not what this test is about.
        let daemon = try Self.started(Self.config(broker: broker, clip: "realtime = true", model: "classify = false"))
        let watcher = try ProtocolClient(path: daemon.socketPath)
        watcher.send(#"{"class":"WATCH","enable":true,"frames":true}"#)
        try #require(subscriber.wait(timeout: 60) { !Self.on("clip/event", $0).isEmpty }, "\(daemon.stderr)")
        watcher.read(timeout: 0.5)
        let eventsBefore = watcher.all("EVENT").count
        broker.kill()
        let down = Date()
        var lastFrame = Date()
        var longestWithoutFrame = 0.0
        while Date().timeIntervalSince(down) < 10 {
            let fresh = watcher.read(timeout: 0.1)
            if fresh.contains(where: { $0.className == "FRAME" }) { lastFrame = Date() }
            longestWithoutFrame = max(longestWithoutFrame, Date().timeIntervalSince(lastFrame))
        }
        let duringOutage = watcher.all("EVENT").count - eventsBefore
        try broker.start()
        let outage = Date().timeIntervalSince(down)
        #expect(longestWithoutFrame < 3, "the frame loop went on while the broker was away: \(longestWithoutFrame) s without a FRAME")
        watcher.read(timeout: 60, untilAll: { !$0.all("EOF").isEmpty })
        #expect(!watcher.all("EOF").isEmpty, "\(daemon.stderr)")
        let journaled = try Self.journaledEvents(daemon).compactMap(Self.seq)
        #expect(journaled.count == 4 && duringOutage >= 1, "events came during the outage: \(duringOutage) of \(journaled)")
        #expect(subscriber.wait(timeout: 20) { Set(Self.on("clip/event", $0).compactMap { Self.seq($0.payload) }).isSuperset(of: journaled) },
                "every journaled seq arrives: \(Self.on("clip/event", subscriber.messages).compactMap { Self.seq($0.payload) }) of \(journaled)\n\(daemon.stderr)")
        let received = Self.on("clip/event", subscriber.messages).compactMap { Self.seq($0.payload) }
        print("broker outage of \(String(format: "%.1f", outage)) s: \(journaled.count) events journaled, \(duringOutage) during it; "
              + "\(received.count) received, \(received.count - Set(received).count) duplicates; "
              + "longest without a FRAME during it \(String(format: "%.2f", longestWithoutFrame)) s")

        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus() == 0, "\(daemon.stderr)")
        let status = try MosquittoSubscriber.retained(port: broker.port, topic: "\(Self.prefix)/status")
        #expect(status?.payload == "offline", "a clean stop says offline itself")
    }
}
