import MexCore
import MexSpotting

/// Every key mexd.toml may hold, table by table: its type and range, default, field and
/// documentation (`Setting`). The loader reads with these, check-config --print writes
/// with them, mexd-bench --set sets [spotter] keys through them, and Config/mexd.toml and
/// mexd.toml(5) must document every key listed here (the tests check both). A new key is
/// one more line in its table, and a field in the settings struct it sets.
public enum ConfigSchema {
    /// Intervals and timeouts: one day.
    static let seconds = 86_400.0

    public static let daemonTable = SettingTable<DaemonSettings>("daemon", [
        .string("socket", what: "a socket path", \.socket,
                "Where the protocol socket is bound when systemd does not pass one.", check: { socket in
                    // sockaddr_un.sun_path holds 108 bytes with the terminating NUL.
                    if socket.utf8.count > 107 { return "the path is \(socket.utf8.count) bytes long; a Unix socket path holds at most 107" }
                    return socket.hasPrefix("/") ? nil : "expected an absolute path, got \"\(socket)\""
                }),
        .value("socket_mode", .other("permission bits up to 0777: a string read as octal (\"0660\") or an integer (0o660)"), \.socketMode,
               "Permission bits of a socket mexd binds itself.",
               read: socketMode, render: { TOMLWriter.quoted("0" + String($0, radix: 8)) }),
        .string("socket_group", what: "a group name", \.socketGroup,
                "Group of a socket mexd binds itself; by default the daemon's own group."),
        .number("stats_interval", .nonNegative, maximum: seconds, \.statsInterval,
                "Seconds between STATS records and systemd STATUS= lines; 0 turns them off."),
        .choice("log_level", among: logLevels, name: { $0 }, \.logLevel, "The least severe messages logged."),
        .strings("scan_roots", what: "absolute folder paths", \.scanRoots,
                 "Folders whose files a client's SCAN request may read (symlinks resolved); empty: SCAN is refused.",
                 check: { roots in roots.first { !$0.hasPrefix("/") }.map { "expected absolute folder paths, got \"\($0)\"" } }),
    ])

    public static let journalTable = SettingTable<JournalSettings>("journal", [
        .string("path", what: "a file path", \.path, "The SQLite event journal."),
        .number("retention_days", .nonNegative, maximum: 36_500, \.retentionDays,
                "Events older than this many days are deleted; 0 keeps them forever."),
        .integer("max_events", minimum: 0, maximum: .max, \.maxEvents,
                 "At most this many events are kept, the oldest deleted first; 0: no limit."),
        .bool("snapshots", \.snapshots,
              "Keep each event's onset, apex and offset face crops and its flow image beside the journal (faces: off by default)."),
    ])

    public static let limitsTable = SettingTable<LimitSettings>("limits", [
        .integer("max_clients", minimum: 1, maximum: 4096, \.maxClients, "Clients connected at once; more are refused."),
        // A WATCH request with a few source names must fit.
        .integer("request_line_bytes", minimum: 1024, maximum: 16 << 20, \.requestLineBytes,
                 "Longest request line a client may send (bytes); a longer one gets ERROR."),
        .number("idle_timeout", .nonNegative, maximum: seconds, \.idleTimeout,
                "A client that sends nothing and watches nothing, or takes none of its output, this long is disconnected; 0: never."),
        .integer("subscriber_queue", minimum: 1, maximum: 1 << 20, \.subscriberQueue,
                 "Records queued per subscriber before FRAME and STATS are dropped."),
        .integer("max_scans", minimum: 0, maximum: 64, \.maxScans, "SCAN requests running at once."),
        .integer("scan_queue", minimum: 0, maximum: 4096, \.scanQueue, "SCAN requests waiting for one to finish; past that a SCAN gets ERROR."),
    ])

    public static let modelTable = SettingTable<ModelSettings>("model", [
        .string("path", what: "a file path", \.path, "The ONNX classifier, with its model card beside it; by default the installed model."),
        .string("cascade", what: "a file path", \.cascade, "The OpenCV Haar cascade that finds faces; by default the one opencv-data installs."),
        .bool("classify", \.classify, "false spots events without classifying them."),
    ])

    // Durations become frame counts (x fps, up to 1000) and pixel levels stay small:
    // 600 s of history and 60 s for the others are far past any use.
    public static let spotterTable = SettingTable<SpotterSettings>("spotter", [
        .number("flow_span", .positive, maximum: 60, \.flowSpan, "The motion score at a frame measures the face's motion over this span before it."),
        .number("score_rate", .positive, maximum: 10000, \.scoreRate,
                "Frames scored a second at most; at a higher frame rate every n-th frame is scored and the frames between repeat its score."),
        .number("smoothing", .positive, maximum: 60, \.smoothing, "Trailing moving average of the motion score."),
        .number("history", .positive, maximum: 600, \.history, "History behind the running threshold (its mean, maximum and noise level)."),
        .number("warm_up", .nonNegative, maximum: 60, \.warmUp, "No event before a face has been tracked this long."),
        .number("p", .fraction, maximum: 1, \.p, "Threshold T = mean + p * (max - mean) of the history."),
        .number("noise_k", .nonNegative, maximum: 1000, \.noiseK, "T is at least median + noise_k * sigma of the history."),
        .number("minimum_threshold", .nonNegative, maximum: 1000, \.minimumThreshold, "T is at least this much motion (pixels per 0.1 s)."),
        .number("hysteresis", .fraction, maximum: 1, \.hysteresis,
                "A run above T goes on while the average stays above median + hysteresis * (T - median)."),
        .number("look_ahead", .positive, maximum: 60, \.lookAhead, "A run ends once the average has stayed below T this long."),
        .number("raw_k", .nonNegative, maximum: 1000, \.rawK, "Raw frames above median + raw_k * sigma count as moving, for the onset and offset search."),
        .number("return_fraction", .fraction, maximum: 1, \.returnFraction,
                "The expression is over once the face is still and back within this fraction of the way from its displacement's floor to its peak."),
        .number("minimum_displacement", .nonNegative, maximum: 1000, \.minimumDisplacement,
                "A run that moves the face less than this (pixels of the 128 px crop) is not an expression."),
        .number("onset_pre_roll", .nonNegative, maximum: 60, \.onsetPreRoll,
                "The displacement's reference face is taken this long before the first moving raw frame."),
        .number("boundary_fraction", .fraction, maximum: 1, \.boundaryFraction,
                "Onset and offset are the frames around the apex within this fraction of the way from the displacement's floor to its peak."),
        .number("settle_limit", .positive, maximum: 60, \.settleLimit,
                "A run whose face has been still this long without coming back to the reference is over."),
        .number("search_margin", .nonNegative, maximum: 60, \.searchMargin, "Onset and offset are searched at most this far before and after the run."),
        .number("min_duration", .nonNegative, maximum: 60, \.minDuration, "Shorter than this from onset to offset is movement."),
        .number("maximum_score", .positive, maximum: 1000, \.maximumScore,
                "A run whose averaged motion peaks above this (pixels of the 128 px crop over flow_span) is movement: an occlusion or a sudden turn."),
        .number("micro_max", .positive, maximum: 60, \.microMax, "Up to this long is a micro-expression."),
        .number("macro_max", .positive, maximum: 60, \.macroMax, "Up to this long is a macro-expression; longer is movement."),
        .bool("equalise_regions", \.equaliseRegions, "Scale each facial region's motion to the regions' common noise level before the largest is taken."),
        .bool("report_movement", \.reportMovement, "Also report movement as events of kind \"movement\"."),
        .number("head_motion_limit", .positive, maximum: 1000, \.headMotionLimit,
                "Head motion above this (pixels of the 128 px crop over flow_span, anywhere in the crop) flags an event's quality.head_motion."),
        .bool("detect_speech", \.detectSpeech, "Recognise speech from the mouth's oscillating motion; while it lasts the lower face is not scored."),
        .number("speech_span", .positive, maximum: 1, \.speechSpan, "Speech: the span of the mouth's motion that speech is recognised from."),
        .number("speech_window", .positive, maximum: 60, \.speechWindow, "Speech: the mouth's motion changes direction speech_flips times within this span."),
        .number("speech_check", .positive, maximum: 60, \.speechCheck,
                "Speech: an event of the lower face alone waits this long after its motion began, and is dropped if speech is recognised by then."),
        .integer("speech_flips", minimum: 2, maximum: 1000, \.speechFlips, "Speech: changes of direction of the mouth's motion needed within speech_window."),
        .number("speech_k", .nonNegative, maximum: 1000, \.speechK, "Speech: the mouth's motion counts past speech_k times its quiet spread."),
        .number("speech_minimum_level", .nonNegative, maximum: 1000, \.speechMinimumLevel,
                "Speech: and past at least this much (pixels of the 128 px crop)."),
        .number("speech_hold", .nonNegative, maximum: 60, \.speechHold, "Speech lasts this long after its last window."),
    ], check: { r, s in
        // Durations sort events into kinds, so the bounds must be in order.
        if s.minDuration >= s.microMax {
            r.issues.error(r.keyPath(r.has("min_duration") ? "min_duration" : "micro_max"),
                           "min_duration (\(TableReader.literal(s.minDuration))) must be shorter than micro_max (\(TableReader.literal(s.microMax)))")
        }
        if s.microMax >= s.macroMax {
            r.issues.error(r.keyPath(r.has("micro_max") ? "micro_max" : "macro_max"),
                           "micro_max (\(TableReader.literal(s.microMax))) must be shorter than macro_max (\(TableReader.literal(s.macroMax)))",
                           hint: "micro-expressions last up to 0.5 s, macro-expressions up to about 4 s")
        }
    })

    public static let trackingTable = SettingTable<TrackingSettings>("tracking", [
        .number("detection_interval", .positive, maximum: 60, \.detectionInterval,
                "Seconds between searches of the whole frame for new faces while a face is tracked."),
        .number("idle_detection_interval", .positive, maximum: 60, \.idleDetectionInterval,
                "Seconds between searches of the whole frame while no face is tracked."),
        .bool("change_gate", \.changeGate,
              "While no face is tracked, search the part of the frame that changed at once instead of at the next idle search."),
    ])

    /// Keys a [sources.NAME] table may set, and [defaults] may set for every source.
    public static let perSourceTable = SettingTable<SourceConfiguration>("defaults", [
        .number("fps", .positive, maximum: 1000, \.fps, kinds: [.v4l2], "Frame rate asked of a camera; by default the camera's own."),
        .value("size", .other("[width, height], two positive integers"), \.size, kinds: [.v4l2],
               "Frame size asked of a camera, or width and height; by default the camera's own.",
               read: { size($0).map(Optional.some) }, render: { $0.map { "[\($0.width), \($0.height)]" } }),
        .integer("width", minimum: 1, maximum: .max, \.width, kinds: [.v4l2], partOf: "size", "Frame width asked of a camera, with height."),
        .integer("height", minimum: 1, maximum: .max, \.height, kinds: [.v4l2], partOf: "size", "Frame height asked of a camera, with width."),
        .value("controls", .other("a table of V4L2 control names and integers (or true/false)"), \.controls, kinds: [.v4l2],
               "V4L2 controls, named as `mexd devices` lists them; a source's are added to those of [defaults].",
               read: controls, inherit: { from, to in to.merge(from) { _, new in new } }, render: { controls in
                   controls.isEmpty ? nil : "{ " + controls.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + " }"
               }),
        .number("reconnect_initial", .positive, maximum: seconds, \.reconnectInitial,
                "The first wait before reconnecting; it doubles after each failure."),
        .number("reconnect_max", .positive, maximum: seconds, \.reconnectMax, "The longest wait before reconnecting."),
        .number("stall_timeout", .positive, maximum: seconds, \.stallTimeout, "No frame for this long marks the source offline, and it reconnects."),
        .bool("enabled", \.enabled, "false keeps a source configured but closed."),
        .bool("realtime", \.realtime, kinds: [.file], "Feed a file's frames at their own pace instead of as fast as possible."),
        .bool("live", \.live, kinds: [.file],
              "Play a file as a camera: paced by the wall clock, frames stamped with it, and dropped oldest first when the pipeline falls behind."),
        .bool("loop", \.loop, kinds: [.file], "Start a file again from the beginning after each end of file."),
    ])

    /// Keys only a [sources.NAME] table holds, and must: its kind and where it is. The
    /// loader reads them before the others, since the kind decides which keys apply.
    public static let sourceIdentitySettings: [Setting<SourceConfiguration>] = [
        Setting.choice("kind", what: "a source kind", among: kinds, name: \.rawValue, \.kind, hasDefault: false,
                       "v4l2, file or rtsp: which of device, path and url locates the source."),
    ] + kinds.map { kind in
        Setting.string(locationKey(for: kind), what: locationWhat(kind), \.location, kinds: [kind], hasDefault: false, locationDoc(kind))
    }

    public static let daemon = daemonTable.keys
    public static let journal = journalTable.keys
    public static let limits = limitsTable.keys
    public static let model = modelTable.keys
    public static let spotter = spotterTable.keys
    public static let tracking = trackingTable.keys
    public static let mqtt = mqttTable.keys
    /// Keys a [sources.NAME] table may set, and [defaults] may set for every source.
    public static let perSource = perSourceTable.keys
    /// Keys only a [sources.NAME] table holds: its kind and where it is.
    public static let sourceIdentity = sourceIdentitySettings.map(\.key)
    public static let source = sourceTable.keys

    /// Every key of a [sources.NAME] table, in the order check-config --print writes them.
    static let sourceTable = SettingTable("sources.NAME", sourceIdentitySettings + perSourceTable.settings)

    /// The tables that each fill one part of `DaemonConfiguration`, in the file's order.
    static let sections = [
        ConfigSection(daemonTable, \.daemon), ConfigSection(journalTable, \.journal), ConfigSection(limitsTable, \.limits),
        ConfigSection(modelTable, \.model), ConfigSection(spotterTable, \.spotter), ConfigSection(trackingTable, \.tracking),
        ConfigSection(mqttTable, \.mqtt),
    ]

    /// The top-level tables, with their keys ("sources" holds tables, not keys).
    public static let tables: [(name: String, keys: [String])] =
        sections.map { ($0.name, $0.keys) } + [(perSourceTable.name, perSource), ("sources", [])]

    /// Levels `log_level` accepts (swift-log's, which map to syslog priorities).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Every source kind, in the order messages list them.
    public static let kinds: [SourceKind] = [.v4l2, .file, .rtsp]

    /// The location key each kind of source takes.
    public static func locationKey(for kind: SourceKind) -> String {
        switch kind {
        case .v4l2: return "device"
        case .file: return "path"
        case .rtsp: return "url"
        }
    }

    /// What a kind's location is, in messages.
    static func locationWhat(_ kind: SourceKind) -> String {
        switch kind {
        case .v4l2: return "a device path"
        case .file: return "a file path"
        case .rtsp: return "a URL"
        }
    }

    /// The location key's documentation, with an example.
    static func locationDoc(_ kind: SourceKind) -> String {
        switch kind {
        case .v4l2: return "the camera's device node, e.g. device = \"/dev/video0\""
        case .file: return "a video file, e.g. path = \"/srv/video/clip.mp4\""
        case .rtsp: return "the stream's URL, e.g. url = \"rtsp://camera.local/stream1\""
        }
    }
}

/// A top-level table and the part of `DaemonConfiguration` it fills, with the
/// settings' type left out so that the loader and the renderer can go through them all.
struct ConfigSection: Sendable {
    let name: String
    let keys: [String]
    let refused: [String: RefusedKey]
    /// Reads the table into its part of the configuration.
    let read: @Sendable (TableReader, inout DaemonConfiguration) -> Void
    let render: @Sendable (DaemonConfiguration, inout TOMLWriter) -> Void

    init<Settings: Sendable>(_ table: SettingTable<Settings>, _ part: WritableKeyPath<DaemonConfiguration, Settings> & Sendable) {
        name = table.name
        keys = table.keys
        refused = table.refused
        read = { r, configuration in table.read(r, into: &configuration[keyPath: part]) }
        render = { configuration, out in table.render(configuration[keyPath: part], into: &out) }
    }
}
