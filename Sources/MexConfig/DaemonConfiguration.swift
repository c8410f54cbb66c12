import MexCore
import MexSpotting

/// Everything `mexd run` is configured with (/etc/mexd/mexd.toml, mexd.toml(5)). The
/// defaults here are the documented defaults: a key left out of the file keeps them.
public struct DaemonConfiguration: Sendable, Equatable {
    public var daemon = DaemonSettings()
    public var journal = JournalSettings()
    public var limits = LimitSettings()
    public var model = ModelSettings()
    public var spotter = SpotterSettings()
    public var tracking = TrackingSettings()
    public var mqtt = MQTTSettings()
    /// In the order the file lists them.
    public var sources: [SourceConfiguration] = []

    public init() {}
}

/// [daemon]: the socket and housekeeping.
public struct DaemonSettings: Sendable, Equatable {
    /// Where the protocol socket is bound when systemd does not pass one.
    public var socket = "/run/mexd/events.sock"
    /// Permission bits of a socket mexd binds itself (0660: owner and group).
    public var socketMode: UInt32 = 0o660
    /// Group of a socket mexd binds itself; nil keeps the process's group.
    public var socketGroup: String?
    /// Seconds between STATS records (and STATUS= lines); 0 turns them off.
    public var statsInterval = 10.0
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel = "info"
    /// Absolute folders a client's SCAN may read files under (symlinks resolved); empty:
    /// SCAN is refused. Any client that may connect can ask, so nothing is open by default.
    public var scanRoots: [String] = []

    public init() {}
}

/// [journal]: the SQLite event journal.
public struct JournalSettings: Sendable, Equatable {
    public var path = "/var/lib/mexd/journal.sqlite"
    /// Events older than this many days are deleted; 0 keeps them forever.
    public var retentionDays = 30.0
    /// At most this many events are kept (the oldest go first); 0 means no limit.
    public var maxEvents = 1_000_000
    /// Each event's onset, apex and offset crops and flow image are written beside the
    /// journal and deleted with their events. They are pictures of faces, so they are
    /// kept only when asked for.
    public var snapshots = false

    public init() {}
}

/// [limits]: what one client may cost the daemon.
public struct LimitSettings: Sendable, Equatable {
    public var maxClients = 64
    /// A request line longer than this is refused with ERROR.
    public var requestLineBytes = 65_536
    /// A client that neither watches nor sends a request for this long, or that takes
    /// none of its pending output for this long, is disconnected (seconds; 0: never).
    public var idleTimeout = 300.0
    /// Records waiting per subscriber before FRAME and STATS are dropped; an EVENT that
    /// does not fit disconnects the subscriber.
    public var subscriberQueue = 1024
    /// SCANs that run at once; more wait in a queue of `scanQueue`, and past it are refused.
    public var maxScans = 2
    public var scanQueue = 16

    public init() {}
}

/// [model]: the classifier and the face detector.
public struct ModelSettings: Sendable, Equatable {
    /// ONNX model with its card beside it; nil is the bundled default model.
    public var path: String?
    /// OpenCV Haar cascade; nil is the cascade opencv-data installs.
    public var cascade: String?
    /// false spots events without classifying them.
    public var classify = true

    public init() {}
}

/// One [sources.NAME] table, with the [defaults] table's keys filled in.
public struct SourceConfiguration: Sendable, Equatable {
    public var name: String
    public var kind: SourceKind
    /// device (v4l2), path (file) or url (rtsp).
    public var location: String
    /// Requested frame rate and size (cameras); nil takes the device's or the file's.
    public var fps: Double?
    public var width: Int?
    public var height: Int?
    /// V4L2 controls by name as the driver reports them, lower-cased with underscores
    /// (e.g. brightness, exposure_time_absolute), set after the format.
    public var controls: [String: Int] = [:]
    /// Reconnect back-off: the first wait, doubled per failure up to the maximum (s).
    public var reconnectInitial = 1.0
    public var reconnectMax = 60.0
    /// No frame for this long marks the source offline and reconnects (s).
    public var stallTimeout = 5.0
    public var enabled = true
    /// Files only: feed frames at their own pace (pts) instead of as fast as possible.
    public var realtime = false
    /// Files only: play the file as a camera: paced by the wall clock, each frame
    /// stamped with its wall-clock time, the oldest queued frame dropped when the
    /// pipeline falls behind (for measuring a live path with a file).
    public var live = false
    /// Files only: start again from the beginning after each EOF (a camera that never
    /// ends, for demonstrations and soak tests).
    public var loop = false

    public init(name: String, kind: SourceKind, location: String) {
        self.name = name
        self.kind = kind
        self.location = location
    }
}
