import Foundation
import MexTestSupport
import Testing

/// A real RTSP server on the loopback interface: GStreamer's, run by
/// Tests/Fixtures/rtsp/serve.py, streaming a live H.264 test pattern.
/// scripts/test-setup installs what it needs; when that is missing, starting it throws
/// (the test fails and says so) rather than skipping.
final class RTSPTestServer {
    static let script = Fixtures.url("rtsp/serve.py")
    /// Debian's Python, where python3-gi is installed (not a pyenv or venv python3).
    static let python = "/usr/bin/python3"

    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    let process = Process()
    let port: UInt16
    let url: String
    private let stdin = Pipe()
    private let stdoutFile: URL
    private let stderrFile: URL

    /// Starts the server on `port` (0: a free one) and waits for its READY line.
    init(port: UInt16 = 0, timeout: Double = 20) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw Unavailable(description: "\(Self.python) not found; the RTSP tests need Debian's python3 with python3-gi (scripts/test-setup)")
        }
        let folder = TestVideos.folder.appendingPathComponent("rtsp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        stdoutFile = folder.appendingPathComponent("stdout.log")
        stderrFile = folder.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.python)
        // --exit-on-eof: the server ends with this process, whatever happens to it.
        process.arguments = [Self.script.path, "--port", String(port), "--lifetime", "180", "--exit-on-eof"]
        process.standardInput = stdin
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()

        let deadline = Date().addingTimeInterval(timeout)
        var ready: String?
        while ready == nil && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            let output = (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? ""
            ready = output.split(separator: "\n").first { $0.hasPrefix("READY ") }.map { String($0.dropFirst(6)) }
        }
        guard let ready, let bound = URLComponents(string: ready)?.port else {
            let exited = !process.isRunning
            if !exited { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let errors = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
            let what = exited ? "exited with status \(process.terminationStatus)" : "printed no READY line within \(timeout) s"
            throw Unavailable(description: """
                the RTSP test server (\(Self.script.path)) \(what); scripts/test-setup installs python3-gi, \
                gir1.2-gst-rtsp-server-1.0 and the GStreamer plugins it needs. Its stderr: \(errors)
                """)
        }
        self.port = UInt16(bound)
        url = ready
    }

    deinit { stop(SIGKILL) }

    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` (SIGKILL: a crash, SIGTERM: a clean stop) and waits up to 10 s for the exit.
    func stop(_ signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Stops sending frames while every connection stays open, as a hung camera does.
    func stall() { kill(process.processIdentifier, SIGUSR1) }

    /// Sends frames again.
    func resume() { kill(process.processIdentifier, SIGUSR2) }
}

/// `mexd` run with a time limit: killed, and `status` nil, when it takes longer.
struct BoundedMexdRun {
    var status: Int32?
    var stdout: String
    var stderr: String

    init(_ arguments: [String], timeout: Double) throws {
        let folder = TestVideos.folder
        let outFile = folder.appendingPathComponent("run-\(UUID().uuidString.prefix(8)).out")
        let errFile = folder.appendingPathComponent("run-\(UUID().uuidString.prefix(8)).err")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let process = Process()
        process.executableURL = MexdRun.executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        status = timedOut ? nil : process.terminationStatus
        stdout = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        stderr = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        if arguments.first == "scan" {
            for line in stdout.split(separator: "\n") {
                let record = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsable": String(line)]
                ProtocolSchema.check(record, from: "mexd scan")
            }
        }
    }

    func records(_ kind: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["class"] as? String == kind }
    }
}

/// mexd against a real RTSP server (GStreamer's) on 127.0.0.1: a stream that plays, a
/// server that dies and comes back on the same port, and one that stops sending
/// without closing the connection.
@Suite(.serialized) struct RTSPServerTests {
    static let stallTimeout = 2.0

    /// A daemon with one RTSP source, `cam`, and a client watching it.
    static func daemon(_ url: String) throws -> (DaemonUnderTest, ProtocolClient) {
        let daemon = try DaemonUnderTest(sources: """
            [sources.cam]
            kind = "rtsp"
            url = "\(url)"
            stall_timeout = \(stallTimeout)
            reconnect_initial = 0.5
            reconnect_max = 1
            """)
        try #require(daemon.waitForNotify("READY=1"), "\(daemon.stderr)")
        let client = try ProtocolClient(path: daemon.socketPath)
        client.send(#"{"class":"WATCH","enable":true}"#)
        return (daemon, client)
    }

    /// The SOURCE records of `cam` read so far.
    static func cam(_ client: ProtocolClient) -> [[String: Any]] {
        client.all("SOURCE").filter { $0["source"] as? String == "cam" }
    }

    static func states(_ client: ProtocolClient) -> [String] { cam(client).compactMap { $0["state"] as? String } }

    /// Reads until `cam` has reported `state` more than `already` times; true if it did.
    static func waitFor(_ state: String, after already: Int = 0, _ client: ProtocolClient, timeout: Double) -> Bool {
        client.read(timeout: timeout, untilAll: { states($0).filter { $0 == state }.count > already })
        return states(client).filter { $0 == state }.count > already
    }

    @Test func aLiveStreamPlays() throws {
        let server = try RTSPTestServer()
        let run = try BoundedMexdRun(["scan", "--frames", "--max-frames", "60", server.url], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        let source = try #require(run.records("SOURCE").first, "\(run.stdout) \(run.stderr)")
        #expect(source["state"] as? String == "online")
        #expect(source["kind"] as? String == "rtsp")
        #expect(source["format"] as? String == "h264")
        #expect(source["width"] as? Int == 320 && source["height"] as? Int == 240)
        let eof = try #require(run.records("EOF").first, "\(run.stdout) \(run.stderr)")
        #expect(eof["frames"] as? Int == 60)
        // The frames libavformat reads while it probes the stream arrive at once; the
        // probe is kept short enough that they fit the live queue.
        #expect(eof["dropped_frames"] as? Int == 0, "\(eof)")
        let pts = run.records("FRAME").compactMap { $0["pts"] as? Double }
        #expect(pts.isEmpty || zip(pts, pts.dropFirst()).allSatisfy { $0 < $1 }, "timestamps increase: \(pts.prefix(4))")
        #expect(eof["source"] as? String == server.url)
    }

    @Test func aServerKilledMidStreamTakesTheSourceOffline() throws {
        let server = try RTSPTestServer()
        let (daemon, client) = try Self.daemon(server.url)
        #expect(Self.waitFor("online", client, timeout: 30), "\(Self.states(client)) \(daemon.stderr)")
        client.read(timeout: 2)  // frames flow for a while
        #expect(!Self.states(client).contains("offline"), "a playing stream stays online: \(Self.cam(client))")

        server.stop(SIGKILL)
        #expect(Self.waitFor("reconnecting", client, timeout: 15), "\(Self.states(client)) \(daemon.stderr)")
        let states = Self.states(client)
        #expect(states.contains("offline"))
        let lost = try #require(Self.cam(client).first { $0["state"] as? String == "offline" })
        #expect(!(lost["reason"] as? String ?? "").isEmpty, "offline says why: \(lost)")
        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus(timeout: 20) == 0, "\(daemon.stderr)")
    }

    @Test func aServerRestartedOnTheSamePortBringsTheSourceBack() throws {
        var server = try RTSPTestServer()
        let port = server.port
        let (daemon, client) = try Self.daemon(server.url)
        try #require(Self.waitFor("online", client, timeout: 30), "\(Self.states(client)) \(daemon.stderr)")
        client.read(timeout: 1)

        server.stop(SIGKILL)
        try #require(Self.waitFor("reconnecting", client, timeout: 15), "\(Self.states(client)) \(daemon.stderr)")
        // Down for a few reconnect attempts: each one fails and says so.
        client.read(timeout: 2)
        #expect(Self.states(client).filter { $0 == "reconnecting" }.count >= 2, "\(Self.states(client))")

        server = try RTSPTestServer(port: port)
        #expect(Self.waitFor("online", after: 1, client, timeout: 30), "\(Self.states(client)) \(daemon.stderr)")
        let back = try #require(Self.cam(client).last { $0["state"] as? String == "online" })
        #expect(back["format"] as? String == "h264")
        // Frames flow again: the source stays online past its stall timeout.
        client.read(timeout: Self.stallTimeout + 1.5)
        #expect(Self.states(client).last == "online", "\(Self.cam(client).suffix(3))")
        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus(timeout: 20) == 0, "\(daemon.stderr)")
    }

    @Test func aServerThatStopsSendingIsAStall() throws {
        let server = try RTSPTestServer()
        let (daemon, client) = try Self.daemon(server.url)
        try #require(Self.waitFor("online", client, timeout: 30), "\(Self.states(client)) \(daemon.stderr)")
        client.read(timeout: 1)

        server.stall()
        let stalledAt = Date()
        // The watchdog checks every 0.25 s and FFmpeg's read times out after the stall
        // timeout too; either says "stall". The margin allows for a machine loaded by the
        // other suites (the timeout's stall was seen at 5.5 s there).
        let margin = 4.5
        let isStall: ([String: Any]) -> Bool = {
            $0["state"] as? String == "offline" && ($0["reason"] as? String ?? "").contains("stall")
        }
        client.read(timeout: Self.stallTimeout + margin + 2, untilAll: { Self.cam($0).contains(where: isStall) })
        let took = Date().timeIntervalSince(stalledAt)
        #expect(Self.cam(client).contains(where: isStall), "a source that gets no frame is stalled: \(Self.cam(client)) \(daemon.stderr)")
        #expect(took < Self.stallTimeout + margin, "within stall_timeout and a margin: \(took) s")
        #expect(server.process.isRunning, "the server did not close the connection")

        // The camera wakes up: the next reconnect brings the source back.
        server.resume()
        let onlineSoFar = Self.states(client).filter { $0 == "online" }.count
        #expect(Self.waitFor("online", after: onlineSoFar, client, timeout: 30), "\(Self.states(client)) \(daemon.stderr)")
        daemon.signal(SIGTERM)
        #expect(daemon.exitStatus(timeout: 20) == 0, "\(daemon.stderr)")
    }
}
