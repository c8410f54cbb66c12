import Foundation
import MexCore
import MexSpotting
import Testing
@testable import MexConfig

/// The issues a text yields (errors and warnings), or none when it loads cleanly.
private func issues(_ text: String) -> [ConfigIssue] {
    do {
        return try ConfigurationLoader.parse(text).warnings
    } catch {
        return error.issues
    }
}

private func errors(_ text: String) -> [ConfigIssue] { issues(text).filter { $0.severity == .error } }

private func load(_ text: String) throws -> LoadedConfiguration { try ConfigurationLoader.parse(text) }

@Suite struct ConfigurationLoaderTests {
    @Test func fullFileSetsEveryKey() throws {
        let loaded = try load("""
            [daemon]
            socket = "/tmp/mexd.sock"
            socket_mode = "0640"
            socket_group = "video"
            stats_interval = 0
            log_level = "debug"
            [journal]
            path = "/tmp/j.sqlite"
            retention_days = 7.5
            max_events = 10
            snapshots = true
            [limits]
            max_clients = 3
            request_line_bytes = 4096
            idle_timeout = 0
            subscriber_queue = 16
            [model]
            path = "/m/x.onnx"
            cascade = "/m/c.xml"
            classify = false
            [spotter]
            flow_span = 0.15
            smoothing = 0.3
            history = 20
            warm_up = 2
            p = 0.1
            noise_k = 6
            minimum_threshold = 0.2
            hysteresis = 0.5
            look_ahead = 0.2
            raw_k = 3
            return_fraction = 0.25
            minimum_displacement = 0.5
            search_margin = 0.4
            min_duration = 0.05
            micro_max = 0.45
            macro_max = 3
            report_movement = true
            head_motion_limit = 2
            [sources.cam0]
            kind = "v4l2"
            device = "/dev/video2"
            fps = 60
            size = [1280, 720]
            controls = { brightness = 128, exposure_time_absolute = 100, backlight_compensation = true }
            reconnect_initial = 0.5
            reconnect_max = 30
            stall_timeout = 2
            enabled = false
            [sources.clip]
            kind = "file"
            path = "/srv/a.mp4"
            realtime = true
            [sources.door]
            kind = "rtsp"
            url = "rtsp://10.0.0.2/s"
            """)
        let c = loaded.configuration
        #expect(c.daemon.socket == "/tmp/mexd.sock")
        #expect(c.daemon.socketMode == 0o640)
        #expect(c.daemon.socketGroup == "video")
        #expect(c.daemon.statsInterval == 0)
        #expect(c.daemon.logLevel == "debug")
        #expect(c.journal.path == "/tmp/j.sqlite" && c.journal.retentionDays == 7.5 && c.journal.maxEvents == 10 && c.journal.snapshots)
        #expect(c.limits.maxClients == 3 && c.limits.requestLineBytes == 4096)
        #expect(c.limits.idleTimeout == 0 && c.limits.subscriberQueue == 16)
        #expect(c.model.path == "/m/x.onnx" && c.model.cascade == "/m/c.xml" && !c.model.classify)
        var spotter = SpotterSettings()
        spotter.flowSpan = 0.15; spotter.smoothing = 0.3; spotter.history = 20; spotter.warmUp = 2; spotter.p = 0.1; spotter.noiseK = 6
        spotter.minimumThreshold = 0.2; spotter.hysteresis = 0.5; spotter.lookAhead = 0.2; spotter.rawK = 3
        spotter.returnFraction = 0.25; spotter.minimumDisplacement = 0.5; spotter.searchMargin = 0.4
        spotter.minDuration = 0.05; spotter.microMax = 0.45; spotter.macroMax = 3; spotter.reportMovement = true
        spotter.headMotionLimit = 2
        #expect(c.spotter == spotter)
        #expect(c.sources.map(\.name) == ["cam0", "clip", "door"], "in the file's order")
        var cam = SourceConfiguration(name: "cam0", kind: .v4l2, location: "/dev/video2")
        cam.fps = 60; cam.width = 1280; cam.height = 720
        cam.controls = ["brightness": 128, "exposure_time_absolute": 100, "backlight_compensation": 1]
        cam.reconnectInitial = 0.5; cam.reconnectMax = 30; cam.stallTimeout = 2; cam.enabled = false
        #expect(c.sources[0] == cam)
        #expect(c.sources[1].kind == .file && c.sources[1].location == "/srv/a.mp4" && c.sources[1].realtime)
        #expect(c.sources[2].kind == .rtsp && c.sources[2].location == "rtsp://10.0.0.2/s")
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.summary == "mexd.toml: OK, 3 sources (cam0 v4l2 disabled, clip file, door rtsp)")
    }

    @Test func emptyFileKeepsTheDocumentedDefaultsAndWarns() throws {
        let loaded = try load("")
        #expect(loaded.configuration == DaemonConfiguration())
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings[0].description.hasPrefix("mexd.toml: warning: no [sources.NAME] table"))
    }

    @Test func journalSnapshotsAreOffUnlessTurnedOn() throws {
        // They are pictures of faces: a file that does not ask for them gets none.
        #expect(try load("[journal]\n").configuration.journal.snapshots == false)
        #expect(try load("[journal]\nsnapshots = true\n").configuration.journal.snapshots)
        #expect(errors("[journal]\nsnapshots = \"yes\"\n").map(\.description)
                == ["mexd.toml:2: journal.snapshots: expected true or false, got a string (\"yes\")"])
    }

    @Test func sourcesInheritDefaultsUnlessTheySetTheKey() throws {
        let c = try load("""
            [sources.zeta]
            kind = "v4l2"
            device = "/dev/video0"
            controls = { brightness = 5, contrast = 7 }
            [defaults]
            fps = 25
            width = 320
            height = 240
            controls = { brightness = 1, power_line_frequency = 1 }
            reconnect_max = 10
            stall_timeout = 3
            realtime = true
            enabled = false
            [sources.alpha]
            kind = "v4l2"
            device = "/dev/video1"
            fps = 15
            enabled = true
            [sources.clip]
            kind = "file"
            path = "a.mp4"
            """).configuration
        #expect(c.sources.map(\.name) == ["zeta", "alpha", "clip"])
        let zeta = c.sources[0], alpha = c.sources[1], clip = c.sources[2]
        #expect(zeta.fps == 25 && zeta.width == 320 && zeta.height == 240)
        #expect(zeta.controls == ["brightness": 5, "contrast": 7, "power_line_frequency": 1], "merged, the source's own winning")
        #expect(zeta.reconnectInitial == 1 && zeta.reconnectMax == 10 && zeta.stallTimeout == 3)
        #expect(!zeta.enabled && alpha.enabled)
        #expect(alpha.fps == 15)
        #expect(!zeta.realtime, "realtime is for files only")
        #expect(clip.realtime && clip.fps == nil && clip.width == nil && clip.controls.isEmpty,
                "camera keys are not inherited by a file")
        #expect(clip.stallTimeout == 3 && !clip.enabled)
    }

    @Test func integersAreAcceptedForFloats() throws {
        let c = try load("[spotter]\nsmoothing = 1\n[sources.a]\nkind = \"v4l2\"\ndevice = \"/dev/video0\"\nfps = 30\n").configuration
        #expect(c.spotter.smoothing == 1 && c.sources[0].fps == 30)
    }

    @Test func socketModeForms() throws {
        func mode(_ value: String) throws -> UInt32 {
            try load("[daemon]\nsocket_mode = \(value)\n").configuration.daemon.socketMode
        }
        #expect(try mode("\"0660\"") == 0o660)
        #expect(try mode("\"660\"") == 0o660)
        #expect(try mode("\"0o600\"") == 0o600)
        #expect(try mode("0o640") == 0o640)
        #expect(try mode("432") == 0o660)
        let wrong = errors("[daemon]\nsocket_mode = 660\n")
        #expect(wrong.map(\.description) == [
            "mexd.toml:2: daemon.socket_mode: expected permission bits up to 0777, got 0o1224 (hint: 660 is decimal; write \"0660\" or 0o660 for octal)",
        ])
        #expect(errors("[daemon]\nsocket_mode = \"0868\"\n").first?.message == "expected octal permission bits such as \"0660\", got \"0868\"")
        #expect(errors("[daemon]\nsocket_mode = \"01777\"\n").first?.line == 2)
    }

    // MARK: Each kind of error, at its line

    @Test func unknownKeyWithHint() {
        let found = errors("""
            [daemon]
            socket = "/run/x.sock"
            log_levle = "info"
            [sources.cam0]
            kind = "v4l2"
            device = "/dev/video0"
            fsp = 30
            """)
        #expect(found.map(\.description) == [
            "mexd.toml:3: daemon.log_levle: unknown key (hint: did you mean log_level?)",
            "mexd.toml:7: sources.cam0.fsp: unknown key (hint: did you mean fps?)",
        ])
    }

    @Test func unknownKeysInTheWrongTableSayWhereTheyBelong() {
        let found = errors("""
            socket = "/x"
            bogus = 1
            [defaults]
            device = "/dev/video0"
            [sources.a]
            kind = "file"
            path = "a.mp4"
            noise_k = 3
            [spotter]
            max_clients = 2
            """)
        #expect(found.map { "\($0.line!) \($0.keyPath) \($0.hint ?? "-")" } == [
            "1 socket socket belongs in [daemon]",
            "2 bogus -",
            "4 defaults.device device is set per source, in [sources.NAME]",
            "8 sources.a.noise_k spotter settings are global: set noise_k in [spotter]",
            "10 spotter.max_clients max_clients is a key of [limits]",
        ])
    }

    @Test func wrongTypes() {
        let found = errors("""
            [limits]
            max_clients = "64"
            idle_timeout = true
            request_line_bytes = 2048.5
            [model]
            classify = "false"
            [spotter]
            p = "a lot"
            [sources.cam0]
            kind = "v4l2"
            device = 0
            size = "640x480"
            controls = 3
            """)
        #expect(found.map(\.description) == [
            "mexd.toml:2: limits.max_clients: expected an integer, got a string (\"64\") (hint: write the number without quotes)",
            "mexd.toml:3: limits.idle_timeout: expected a number, got a boolean (true)",
            "mexd.toml:4: limits.request_line_bytes: expected an integer, got 2048.5",
            "mexd.toml:6: model.classify: expected true or false, got a string (\"false\") (hint: write false without quotes)",
            "mexd.toml:8: spotter.p: expected a number, got a string (\"a lot\")",
            "mexd.toml:11: sources.cam0.device: expected a device path, got an integer (0)",
            "mexd.toml:12: sources.cam0.size: expected [width, height] (two integers), got a string (\"640x480\") (hint: for example size = [640, 480])",
            "mexd.toml:13: sources.cam0.controls: expected a table, got an integer (3)",
        ])
    }

    @Test func badValues() {
        let found = errors("""
            [daemon]
            log_level = "warn"
            socket = "relative.sock"
            [spotter]
            p = 1.5
            micro_max = 5
            history = -1
            [journal]
            max_events = -2
            [limits]
            request_line_bytes = 100
            [sources.cam0]
            kind = "v4l2"
            device = "/dev/video0"
            fps = -5
            size = [640, 0]
            reconnect_initial = 30
            reconnect_max = 10
            controls = { Brightness = 1, contrast = "high" }
            """)
        #expect(found.map(\.description) == [
            "mexd.toml:2: daemon.log_level: expected one of trace, debug, info, notice, warning, error, critical, got \"warn\" (hint: did you mean warning?)",
            "mexd.toml:3: daemon.socket: expected an absolute path, got \"relative.sock\"",
            "mexd.toml:5: spotter.p: expected a number from 0 to 1, got 1.5",
            "mexd.toml:6: spotter.micro_max: micro_max (5) must be shorter than macro_max (4) (hint: micro-expressions last up to 0.5 s, macro-expressions up to about 4 s)",
            "mexd.toml:7: spotter.history: expected a positive number up to 600, got -1",
            "mexd.toml:9: journal.max_events: expected an integer >= 0, got -2",
            "mexd.toml:11: limits.request_line_bytes: expected an integer from 1024 to 16777216, got 100",
            "mexd.toml:15: sources.cam0.fps: expected a positive number up to 1000, got -5",
            "mexd.toml:16: sources.cam0.size: expected a positive width and height, got [640, 0]",
            "mexd.toml:17: sources.cam0.reconnect_initial: reconnect_initial (30) is longer than reconnect_max (10) (hint: the wait starts at reconnect_initial and doubles up to reconnect_max)",
            "mexd.toml:19: sources.cam0.controls.Brightness: a control name is lower case, with '_' between words (hint: write brightness)",
            "mexd.toml:19: sources.cam0.controls.contrast: expected an integer (or true/false), got a string (\"high\")",
        ])
    }

    @Test func reconnectBoundsAcrossDefaultsAndSource() {
        let found = errors("""
            [defaults]
            reconnect_initial = 20
            [sources.a]
            kind = "file"
            path = "a.mp4"
            [sources.b]
            kind = "file"
            path = "b.mp4"
            reconnect_max = 5
            """)
        #expect(found.map { "\($0.line!) \($0.keyPath)" } == ["9 sources.b.reconnect_max"])
        #expect(found.first?.message == "reconnect_initial (20) is longer than reconnect_max (5)")
    }

    @Test func sourceKindAndLocation() {
        let found = errors("""
            [sources.a]
            device = "/dev/video0"
            [sources.b]
            kind = "camera"
            device = "/dev/video0"
            [sources.c]
            kind = "file"
            device = "/dev/video0"
            [sources.d]
            kind = "rtsp"
            [sources.e]
            kind = "rtsp"
            url = "http://x/y"
            [sources.f]
            kind = "fil"
            path = "x"
            [sources.g]
            kind = "file"
            path = "a.mp4"
            url = "rtsp://x"
            [sources."bad name"]
            kind = "file"
            path = "a.mp4"
            [sources.h]
            kind = "v4l2"
            device = "video0"
            """)
        #expect(found.map(\.description) == [
            "mexd.toml:1: sources.a: missing kind (v4l2, file or rtsp) (hint: device suggests kind = \"v4l2\")",
            "mexd.toml:4: sources.b.kind: expected one of v4l2, file, rtsp, got \"camera\"",
            "mexd.toml:8: sources.c.device: a file source takes path, not device (hint: write path = ...)",
            "mexd.toml:9: sources.d: missing url (the stream's URL, e.g. url = \"rtsp://camera.local/stream1\")",
            "mexd.toml:13: sources.e.url: expected an rtsp:// or rtsps:// URL, got \"http://x/y\" (hint: other URLs can be read as kind = \"file\" with path = the URL)",
            "mexd.toml:15: sources.f.kind: expected one of v4l2, file, rtsp, got \"fil\" (hint: did you mean file?)",
            "mexd.toml:20: sources.g.url: a file source takes path, not url (hint: remove url)",
            "mexd.toml:21: sources.bad name: a source name holds only letters, digits, '_' and '-', got \"bad name\" (hint: it appears in event ids and on the wire)",
            "mexd.toml:26: sources.h.device: expected a device node path, got \"video0\" (hint: for example /dev/video0)",
        ])
    }

    @Test func sameCameraTwiceAndSourcesThatAreNotTables() {
        let found = errors("""
            [sources]
            fps = 30
            [sources.a]
            kind = "v4l2"
            device = "/dev/video0"
            [sources.b]
            kind = "v4l2"
            device = "/dev/video0"
            [sources.c]
            kind = "v4l2"
            device = "/dev/video0"
            enabled = false
            """)
        #expect(found.map(\.description) == [
            "mexd.toml:2: sources.fps: expected a [sources.fps] table, got an integer (30) (hint: source settings go in a named table: [sources.cam0])",
            "mexd.toml:8: sources.b.device: /dev/video0 is already used by source a (hint: a camera can stream to one source; set enabled = false on one of them)",
        ])
    }

    @Test func arrayOfSourcesIsRefusedWithTheRightSpelling() {
        #expect(errors("[daemon]\n[[sources]]\nkind = \"file\"\n").map(\.description) == [
            "mexd.toml:2: sources: expected [sources.NAME] tables, got an array of tables (hint: name each source: [sources.cam0] instead of [[sources]])",
        ])
        #expect(errors("[sorces.cam0]\nkind = \"file\"\n").first?.hint == "did you mean sources?")
    }

    @Test func sizeForms() {
        #expect(errors("[defaults]\nsize = [1, 2]\nwidth = 3\n").map { "\($0.line!) \($0.message)" } == ["3 size is already given"])
        #expect(errors("[defaults]\nwidth = 3\n").map { "\($0.line!) \($0.message)" } == ["2 width without height"])
        #expect(errors("[defaults]\nsize = [1, 2, 3]\n").first?.line == 2)
        #expect(errors("[defaults]\nsize = [\n  640,\n  \"480\",\n]\n").first?.line == 2)
    }

    @Test func manyErrorsAtOnceInLineOrder() {
        let found = issues("""
            [spotter]
            p = 2
            [daemon]
            stats_interval = -1
            [sources.cam0]
            kind = "file"
            path = "x.mp4"
            fps = 30
            stall_timeout = 0
            """)
        #expect(found.map { "\($0.line!) \($0.severity == .error ? "E" : "W") \($0.keyPath)" } == [
            "2 E spotter.p", "4 E daemon.stats_interval", "8 W sources.cam0.fps", "9 E sources.cam0.stall_timeout",
        ])
        #expect(found[2].description == "mexd.toml:8: warning: sources.cam0.fps: ignored: fps only applies to v4l2 sources")
    }

    @Test func syntaxErrorsCarryTheirLine() {
        for (text, line) in [("[daemon]\nsocket = \n", 2), ("a = 1\n\n[sources.x\n", 3), ("[daemon]\nlog_level = 'x'\nlog_level = 'y'\n", 3),
                             ("[sources.a]\nkind = \"file\"\n[sources.a]\n", 3)] {
            let found = issues(text)
            #expect(found.count == 1)
            #expect(found.first?.line == line, "\(text)")
            #expect(found.first?.message.hasPrefix("syntax error: ") == true)
            #expect(found.first?.column != nil)
        }
    }

    /// Headers with no name where one must start stop TOMLKit's parser on an assertion
    /// (the process aborts); the loader reports them first.
    @Test func namelessTableHeadersAreSyntaxErrorsNotCrashes() {
        for (text, line) in [("[\n", 1), ("a = 1\n[ \n", 2), ("[[\n", 1), ("[#c\n", 1), ("[=\n", 1), ("[.\n", 1),
                             ("[\t\n", 1), ("[ # x\n", 1), ("[\r\n", 1), ("[daemon]\n\n[\na = 1\n", 3)] {
            let found = issues(text)
            #expect(found.map(\.line) == [line], "\(text.debugDescription)")
            #expect(found.first?.message == "syntax error: a table header needs a name, e.g. [sources.cam0]")
        }
        // Valid documents with brackets where a header could start are not caught.
        for text in ["x = [\n  1,\n]\n", "x = [\n[1, 2],\n]\n", "[sources.\"a b\"]\nkind = \"file\"\npath = \"/a\"\n"] {
            #expect(!issues(text).contains { $0.message.contains("needs a name") }, "\(text.debugDescription)")
        }
    }

    @Test func warningsDoNotFail() throws {
        let loaded = try load("[sources.a]\nkind = \"file\"\npath = \"a.mp4\"\nenabled = false\n[daemon]\nsocket_mode = \"0060\"\n")
        #expect(loaded.warnings.map { "\($0.line!) \($0.message)" } == [
            "1 every source has enabled = false: mexd run will watch nothing",
            "6 the owner (mexd itself) cannot read and write the socket",
        ])
        #expect(loaded.summary == "mexd.toml: OK, 1 source (a file disabled), 2 warnings")
    }

    // MARK: Files

    @Test func missingAndUnreadableFiles() throws {
        #expect(throws: ConfigError.notFound(path: "/nonexistent/mexd.toml")) {
            try ConfigurationLoader.load(contentsOf: "/nonexistent/mexd.toml")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-config-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ConfigError.unreadable(path: folder.path, reason: "it is a directory")) {
            try ConfigurationLoader.load(contentsOf: folder.path)
        }
        let file = folder.appendingPathComponent("bad.toml")
        try Data("[daemon]\nsocket = 1\n".utf8).write(to: file)
        do {
            _ = try ConfigurationLoader.load(contentsOf: file.path)
            Issue.record("a bad file loaded")
        } catch {
            #expect(error.errors.map(\.description) == ["\(file.path):2: daemon.socket: expected a socket path, got an integer (1)"])
            #expect(error.issues.last?.severity == .warning, "the warning without a line comes last")
        }
    }

    @Test func shippedExampleLoadsClean() throws {
        let loaded = try ConfigurationLoader.load(contentsOf: RepositoryFiles.exampleConfig.path)
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.configuration.sources.map(\.name) == ["cam0"])
        #expect(loaded.configuration.sources[0].kind == .v4l2 && loaded.configuration.sources[0].location == "/dev/video0")
        // Its values are the defaults, written out.
        var expected = DaemonConfiguration()
        expected.sources = loaded.configuration.sources
        #expect(loaded.configuration == expected)
    }

    @Test func exampleWithItsCommentedKeysUncommentedStillLoads() throws {
        // Uncommenting any "# key = value" line of the example must give a valid file.
        let text = try String(contentsOf: RepositoryFiles.exampleConfig, encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let body = String(line.dropFirst(2))
            let isKey = body.range(of: #"^[a-z_]+ = "#, options: .regularExpression) != nil
            let isHeader = body.range(of: #"^\[[a-z0-9_.]+\]$"#, options: .regularExpression) != nil
            return line.hasPrefix("# ") && (isKey || isHeader) ? body : String(line)
        }.joined(separator: "\n")
        let loaded = try ConfigurationLoader.parse(uncommented)
        #expect(loaded.configuration.sources.map(\.name) == ["cam0", "door"])
        #expect(loaded.configuration.sources[0].controls["power_line_frequency"] == 1)
    }

    @Test func renderedConfigurationLoadsBackTheSame() throws {
        let loaded = try load("""
            [daemon]
            socket_group = "mexd"
            [model]
            path = "/a \\"quoted\\" path.onnx"
            [defaults]
            fps = 29.97
            controls = { brightness = -3 }
            [sources.cam0]
            kind = "v4l2"
            device = "/dev/video0"
            size = [640, 480]
            [sources.clip]
            kind = "file"
            path = "/x.mp4"
            realtime = true
            """)
        let text = loaded.configuration.renderTOML()
        let again = try ConfigurationLoader.parse(text)
        #expect(again.configuration == loaded.configuration)
        #expect(text.contains("socket_mode = \"0660\""))
        #expect(text.contains("controls = { brightness = -3 }"))
    }
}

/// Files of the repository the tests check.
enum RepositoryFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let exampleConfig = root.appendingPathComponent("Config/mexd.toml")
    static let manPage = root.appendingPathComponent("man/mexd.toml.5")
}
