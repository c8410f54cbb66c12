/// Every class of record mexd writes (man/mexd-protocol.7 documents the server's;
/// CLASSIFICATION, DEVICE and EVAL are the commands' own, mexd(8)).
public enum RecordClass: String, Sendable, CaseIterable {
    case version = "VERSION"
    case watch = "WATCH"
    case sources = "SOURCES"
    case source = "SOURCE"
    case event = "EVENT"
    case frame = "FRAME"
    case stats = "STATS"
    case dropped = "DROPPED"
    case error = "ERROR"
    case eof = "EOF"
    case poll = "POLL"
    case scan = "SCAN"
    case shutdown = "SHUTDOWN"
    case classification = "CLASSIFICATION"
    case device = "DEVICE"
    case eval = "EVAL"

    /// FRAME and STATS are what a slow subscriber loses first.
    public var isLossy: Bool { self == .frame || self == .stats }
}

/// A source's state in SOURCE, SOURCES and STATS records.
public enum SourceState: String, Sendable, CaseIterable {
    /// Configured, not yet opened.
    case connecting
    case online
    case offline
    case reconnecting
    /// A file read to its end.
    case eof
    case disabled
}

/// Why an event ended before its offset was seen (EVENT's end_reason).
public enum EventEndReason: String, Sendable, CaseIterable {
    /// The file ended.
    case eof
    case shutdown
    /// Its source's configuration changed.
    case reload
    /// Its source was removed from the configuration.
    case removed
    case stall
    /// The camera or stream was lost.
    case sourceLost = "source_lost"
}

/// The requests a client may send.
public enum RequestClass: String, Sendable, CaseIterable {
    case watch = "WATCH"
    case poll = "POLL"
    case sources = "SOURCES"
    case version = "VERSION"
    case scan = "SCAN"

    /// For messages: "WATCH, POLL, SOURCES, VERSION or SCAN".
    static let list: String = {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }()
}
