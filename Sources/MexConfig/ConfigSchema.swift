import MexCore

/// The keys mexd.toml may hold, table by table: what the loader accepts, what "did you
/// mean" hints choose from, and what Config/mexd.toml and mexd.toml(5) must document
/// (the tests check both against these lists).
public enum ConfigSchema {
    public static let daemon = ["socket", "socket_mode", "socket_group", "stats_interval", "log_level", "scan_roots"]
    public static let journal = ["path", "retention_days", "max_events"]
    public static let limits = ["max_clients", "request_line_bytes", "idle_timeout", "subscriber_queue", "max_scans", "scan_queue"]
    public static let model = ["path", "cascade", "classify"]
    public static let spotter = [
        "flow_span", "smoothing", "history", "warm_up", "p", "noise_k", "minimum_threshold", "hysteresis", "look_ahead",
        "raw_k", "return_fraction", "minimum_displacement", "onset_pre_roll", "boundary_fraction", "settle_limit", "search_margin", "min_duration", "micro_max",
        "macro_max", "equalise_regions", "report_movement", "head_motion_limit",
    ]
    /// Keys a [sources.NAME] table may set, and [defaults] may set for every source.
    public static let perSource = [
        "fps", "size", "width", "height", "controls", "reconnect_initial", "reconnect_max", "stall_timeout",
        "enabled", "realtime", "loop",
    ]
    /// Keys only a [sources.NAME] table holds: its kind and where it is.
    public static let sourceIdentity = ["kind", "device", "path", "url"]
    public static let source = sourceIdentity + perSource

    /// The top-level tables, with their keys ("sources" holds tables, not keys).
    public static let tables: [(name: String, keys: [String])] = [
        ("daemon", daemon), ("journal", journal), ("limits", limits), ("model", model),
        ("spotter", spotter), ("defaults", perSource), ("sources", []),
    ]

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
}
