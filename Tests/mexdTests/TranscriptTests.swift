import Foundation
import MexTestSupport
import Testing

/// Replayed daemon transcripts, in the spirit of gpsd's test/daemon logs: each file in
/// Tests/Fixtures/transcripts holds a configuration and a recorded client session, and
/// is replayed against a real `mexd run`. The format is in that folder's README.md.
///
/// Masked, the answers must be the transcript's lines exactly. Between two steps (a
/// line sent, a control line) the records of a client may come in any interleaving of
/// its channels, but in order within each channel: the answers to requests (in request
/// order, a POLL's EVENT lines with it), each source's records, and every other class
/// on its own. That is the order the protocol promises (mexd-protocol(7), CONNECTION
/// LIFECYCLE), and no more.
///
/// MEXD_RECORD_TRANSCRIPTS=1 rewrites each file with the answers observed, for review:
/// after each step, every client's records are read until as many as the file expected
/// have come, and then until none has come for 0.3 s (1.5 s after a signal or a
/// notification). Answers that take longer, such as a scan's, need that many `<` lines
/// in the file beforehand; placeholders (`< {}`) will do.
@Suite struct TranscriptTests {
    static let folder = Fixtures.url("transcripts")
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    static let names = ["watch-poll-scan.txt", "errors.txt", "reload.txt"]

    /// Fields that differ from run to run: wall-clock times and speeds.
    static let volatileKeys = ["time", "uptime_s", "elapsed_s", "decode_fps"]

    @Test(arguments: names) func replays(_ name: String) throws {
        let url = Self.folder.appendingPathComponent(name)
        let transcript = try Transcript(text: String(contentsOf: url, encoding: .utf8))
        let recording = ProcessInfo.processInfo.environment["MEXD_RECORD_TRANSCRIPTS"] != nil
        var replay = Replay(name: name, transcript: transcript, recording: recording)
        try replay.run()
        if recording { try replay.output().write(to: url, atomically: true, encoding: .utf8) }
    }

    /// Every transcript in the folder is replayed.
    @Test func everyTranscriptIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".txt") }
        #expect(Set(files) == Set(Self.names))
    }

    /// The parser refuses what it does not know, so that a typo is not a silent no-op.
    @Test func aMalformedTranscriptIsRefused() {
        #expect(throws: Transcript.Malformed.self) { try Transcript(text: "! connect\n") }
        #expect(throws: Transcript.Malformed.self) { try Transcript(text: "% [daemon]\n! SIGWHAT\n") }
        #expect(throws: Transcript.Malformed.self) { try Transcript(text: "% [daemon]\n? {}\n") }
        #expect(throws: Transcript.Malformed.self) { try Transcript(text: "% [daemon]\n> {\"class\":\"VERSION\"}\n") }
        #expect(throws: Transcript.Malformed.self) { try Transcript(text: "% [daemon]\n! connect\n< {\"class\":\"VERSION\"\n") }
        #expect(throws: Never.self) { try Transcript(text: "% [daemon]\n! connect\n>\n< {\"class\":\"VERSION\"}\n! exit 0\n") }
    }
}

/// A transcript file, parsed.
struct Transcript {
    struct Malformed: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    enum Step {
        /// Comments and blank lines, kept for rewriting the file.
        case text
        /// A block of `%` lines: the configuration, written before the daemon starts or,
        /// later, in place of the one in force (for a SIGHUP that follows).
        case config(String)
        case connect(client: String)
        case send(client: String, line: String)
        case expect(client: String, line: String)
        case signal(Int32)
        /// The server closes the client's connection, with nothing more sent.
        case closed(client: String)
        case exit(Int32)
        case sleep(Double)
        /// Waits for an sd_notify message holding the text (READY=1 ends a reload).
        case notify(String)
    }

    /// Each source line with its step; a configuration block's step is on its first line
    /// and its other lines are `.text`.
    var lines: [(text: String, step: Step)] = []

    static let signals: [String: Int32] = ["SIGHUP": SIGHUP, "SIGTERM": SIGTERM, "SIGINT": SIGINT]

    init(text: String) throws {
        var raw = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if raw.last == "" { raw.removeLast() }
        var connected: Set<String> = []
        var sawConfig = false
        var i = 0
        while i < raw.count {
            let line = raw[i]
            let number = i + 1
            func fail(_ message: String) -> Malformed { Malformed(line: number, message: message) }
            if line.isEmpty || line.hasPrefix("#") {
                lines.append((line, .text))
            } else if line.hasPrefix("%") {
                var block: [String] = []
                var j = i
                while j < raw.count, raw[j].hasPrefix("%") {
                    block.append(raw[j].hasPrefix("% ") ? String(raw[j].dropFirst(2)) : String(raw[j].dropFirst()))
                    j += 1
                }
                lines.append((line, .config(block.joined(separator: "\n") + "\n")))
                for k in (i + 1)..<j { lines.append((raw[k], .text)) }
                sawConfig = true
                i = j
                continue
            } else if line.hasPrefix("! ") {
                guard sawConfig else { throw fail("the configuration (% lines) comes first") }
                let words = line.dropFirst(2).split(separator: " ").map(String.init)
                switch words.first {
                case "connect":
                    let client = words.count > 1 ? words[1] : ""
                    connected.insert(client)
                    lines.append((line, .connect(client: client)))
                case "closed":
                    lines.append((line, .closed(client: words.count > 1 ? words[1] : "")))
                case "exit":
                    guard words.count == 2, let status = Int32(words[1]) else { throw fail("exit takes a status") }
                    lines.append((line, .exit(status)))
                case "notify":
                    guard words.count == 2 else { throw fail("notify takes the text to wait for") }
                    lines.append((line, .notify(words[1])))
                case "sleep":
                    guard words.count == 2, let seconds = Double(words[1]) else { throw fail("sleep takes seconds") }
                    lines.append((line, .sleep(seconds)))
                case let name? where Self.signals[name] != nil && words.count == 1:
                    lines.append((line, .signal(Self.signals[name]!)))
                default:
                    throw fail("unknown control line")
                }
            } else if let marker = line.firstIndex(where: { $0 == ">" || $0 == "<" }),
                      line[marker...].dropFirst().hasPrefix(" ") || line[marker...].count == 1,
                      line[..<marker].allSatisfy({ $0.isLetter && $0.isLowercase }) {
                let client = String(line[..<marker])
                // `>` alone sends an empty line.
                let body = String(line[marker...].dropFirst(2))
                guard connected.contains(client) else { throw fail("client \"\(client)\" is not connected (! connect \(client))") }
                if line[marker] == ">" {
                    lines.append((line, .send(client: client, line: body)))
                } else {
                    guard (try? JSONSerialization.jsonObject(with: Data(body.utf8))) is [String: Any] else {
                        throw fail("an expected record is one JSON object")
                    }
                    lines.append((line, .expect(client: client, line: body)))
                }
            } else {
                throw fail("not a transcript line")
            }
            i += 1
        }
    }
}

/// One replay of a transcript against a fresh daemon.
struct Replay {
    let name: String
    let transcript: Transcript
    let recording: Bool
    private var daemon: DaemonUnderTest?
    private var clients: [String: (client: ProtocolClient, consumed: Int)] = [:]
    /// Expected lines since the last step, per client, with their line numbers.
    private var pending: [(client: String, line: Int, text: String)] = []
    /// The file as rewritten when recording, and where the next answers go in it.
    private var rewritten: [String] = []
    private var insertAt = 0
    /// Whether the last step was a connect.
    private var afterConnect = false
    /// When recording: how long no record must come before a step's answers are taken
    /// as complete, set by the step.
    private var quiet = 0.3

    /// How long a step's answers may take: a scan of the sample in a debug build, on a
    /// loaded machine.
    static let timeout = 90.0

    init(name: String, transcript: Transcript, recording: Bool) {
        self.name = name
        self.transcript = transcript
        self.recording = recording
    }

    func output() -> String { rewritten.joined(separator: "\n") + "\n" }

    mutating func run() throws {
        for (index, entry) in transcript.lines.enumerated() {
            let number = index + 1
            switch entry.step {
            case .text:
                rewritten.append(entry.text)
                continue
            case .expect(let client, let line):
                pending.append((client, number, line))
                continue
            default:
                break
            }
            // When recording, a connect's greeting is taken with the next step's answers,
            // so that the client's first request is sent at once, as the file has it.
            if !(recording && afterConnect) { try settle() }
            rewritten.append(entry.text)
            if case .connect = entry.step { afterConnect = true } else { afterConnect = false }
            // Answers to requests come at once; what a signal sets off may take a while.
            switch entry.step {
            case .signal, .notify: quiet = 1.5
            default: quiet = 0.3
            }
            defer { insertAt = rewritten.count }
            switch entry.step {
            case .config(let text):
                let expanded = expand(text)
                if let daemon {
                    try daemon.writeConfig(text: expanded)
                } else {
                    let started = try DaemonUnderTest(config: expanded)
                    daemon = started
                    try #require(started.waitForNotify("READY=1"), "\(name): READY=1: \(started.stderr)")
                }
            case .connect(let client):
                let daemon = try #require(daemon)
                clients[client] = (try ProtocolClient(path: daemon.socketPath), 0)
            case .send(let client, let line):
                clients[client]?.client.send(expand(line))
            case .signal(let number):
                let daemon = try #require(daemon)
                // Room for the notifications the signal brings (`! notify`).
                daemon.discardNotifications()
                daemon.signal(number)
            case .closed(let client):
                let connection = try #require(clients[client], "\(name):\(number): no client \(client)")
                connection.client.read(timeout: 10, untilAll: { $0.closed })
                #expect(connection.client.closed, "\(name):\(number): the server closes the connection")
                let extra = connection.client.lines.dropFirst(connection.consumed).map(mask)
                if recording { record(client, extra) } else {
                    #expect(extra.isEmpty, "\(name):\(number): records after those expected: \(extra)")
                }
                clients[client] = nil
            case .exit(let status):
                let daemon = try #require(daemon)
                #expect(daemon.exitStatus() == status, "\(name):\(number): \(daemon.stderr.suffix(3000))")
            case .sleep(let seconds):
                Thread.sleep(forTimeInterval: seconds)
            case .notify(let text):
                let daemon = try #require(daemon)
                #expect(daemon.waitForNotify(text), "\(name):\(number): no \(text): \(daemon.stderr.suffix(3000))")
            case .text, .expect:
                break
            }
        }
        try settle()
        // Nothing more arrives for the clients still connected.
        for (name, connection) in clients.sorted(by: { $0.key < $1.key }) {
            connection.client.read(timeout: recording ? 1.5 : 0.5)
            let extra = connection.client.lines.dropFirst(connection.consumed).map(mask)
            if recording { record(name, extra) } else {
                #expect(extra.isEmpty, "\(self.name): records after the last expected: \(extra)")
            }
        }
    }

    /// Reads what each client was expected to receive since the last step, and compares.
    private mutating func settle() throws {
        let expected = pending
        pending = []
        let names = recording ? clients.keys.sorted() : Array(Set(expected.map(\.client))).sorted()
        for client in names {
            guard var connection = clients[client] else {
                Issue.record("\(name): records expected for \(client), which is not connected")
                continue
            }
            let mine = expected.filter { $0.client == client }
            let deadline = Date().addingTimeInterval(Self.timeout)
            func available() -> Int { connection.client.lines.count - connection.consumed }
            while available() < mine.count && !connection.client.closed && Date() < deadline {
                connection.client.read(timeout: 0.2)
            }
            if recording {
                // And then until nothing more comes, reading every client at once: a
                // client not read for 2 s would be subscribed for its silence.
                var last = Date()
                while Date().timeIntervalSince(last) < quiet {
                    for other in clients.values where !other.client.closed {
                        let before = other.client.lines.count
                        other.client.read(timeout: 0.05)
                        if other.client.lines.count > before { last = Date() }
                    }
                    if connection.client.closed { break }
                }
            }
            let count = recording ? available() : min(available(), mine.count)
            let actual = connection.client.lines[connection.consumed..<(connection.consumed + count)].map(mask)
            connection.consumed += count
            clients[client] = connection
            if recording {
                record(client, actual)
                continue
            }
            let want = mine.map(\.text)
            let expectedChannels = Self.channels(want), actualChannels = Self.channels(actual)
            if expectedChannels != actualChannels {
                let lines = mine.first.map { "lines \($0.line)-\(mine.last!.line)" } ?? "after line \(insertAt)"
                // The first record that differs, in the first channel where one does.
                var first = ""
                for channel in Set(expectedChannels.keys).union(actualChannels.keys).sorted() {
                    let e = expectedChannels[channel] ?? [], a = actualChannels[channel] ?? []
                    guard e != a else { continue }
                    let i = Array(zip(e, a)).firstIndex { $0.0 != $0.1 } ?? min(e.count, a.count)
                    first = "\(channel), record \(i + 1): expected \(i < e.count ? e[i] : "nothing")\n  got \(i < a.count ? a[i] : "nothing")"
                    break
                }
                Issue.record("""
                    \(name), \(lines), client "\(client)": \(first)
                    Expected
                    \(want.joined(separator: "\n"))
                    got
                    \(actual.joined(separator: "\n"))
                    daemon stderr:
                    \(daemon?.stderr.suffix(3000) ?? "")
                    """)
            }
        }
    }

    /// Puts recorded answers into the rewritten file, after the step that caused them.
    private mutating func record(_ client: String, _ lines: [String]) {
        let prefixed = lines.map { "\(client)< \($0)" }
        rewritten.insert(contentsOf: prefixed, at: insertAt)
        insertAt += prefixed.count
    }

    /// The folders a transcript names: `$ROOT` the repository, `$VIDEOS` the test
    /// videos' folder (TestVideos) and `$DIR` the daemon's own.
    private var places: [(name: String, path: String)] {
        var list = [("$ROOT", TranscriptTests.root.path), ("$VIDEOS", TestVideos.folder.path)]
        if let daemon { list.append(("$DIR", daemon.folder.path)) }
        return list
    }

    private func expand(_ text: String) -> String {
        // TestVideos makes its files on first use.
        for (file, make) in [("h264-300.mp4", { TestVideos.h264MP4 }), ("h264-300.mkv", { TestVideos.h264MKV })]
        where text.contains("$VIDEOS/" + file) {
            _ = make()
        }
        var text = text
        for (name, path) in places { text = text.replacingOccurrences(of: name, with: path) }
        return text
    }

    /// A record as the transcript writes it: the volatile fields' values replaced by
    /// "*", and the test's folders by their names.
    func mask(_ line: String) -> String {
        var line = line
        // The daemon reports some paths with their links resolved. Longest first, so that
        // a folder inside another is named by the inner one.
        let named = places.flatMap { [($0.name, $0.path), ($0.name, URL(fileURLWithPath: $0.path).resolvingSymlinksInPath().path)] }
        for (name, path) in named.sorted(by: { $0.1.count > $1.1.count }) { line = line.replacingOccurrences(of: path, with: name) }
        let keys = TranscriptTests.volatileKeys.joined(separator: "|")
        let pattern = #""(\#(keys))":("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)"#
        return line.replacingOccurrences(of: pattern, with: #""$1":"*""#, options: .regularExpression)
    }

    /// A client's records split into the channels whose order the protocol keeps.
    static func channels(_ lines: [String]) -> [String: [String]] {
        let answers: Set<String> = ["VERSION", "WATCH", "SOURCES", "POLL", "SCAN", "ERROR"]
        var result: [String: [String]] = [:]
        var polled = 0
        for line in lines {
            let record = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            let name = record["class"] as? String ?? "?"
            let channel: String
            if name == "EVENT" && polled > 0 {
                channel = "answers"
                polled -= 1
            } else if answers.contains(name) {
                channel = "answers"
                if name == "POLL" { polled = (record["count"] as? Int) ?? 0 }
            } else if let source = record["source"] as? String {
                channel = "source " + source
            } else {
                channel = name
            }
            result[channel, default: []].append(line)
        }
        return result
    }
}
