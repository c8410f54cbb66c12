import MexProtocol
import NIOCore

/// What one subscriber has asked to receive (its effective WATCH).
public struct WatchOptions: Sendable, Equatable {
    public var enabled = false
    public var events = true
    public var frames = false
    /// STATS at most every this many seconds; 0: none.
    public var stats = 0.0
    /// Empty: every source.
    public var sources: [String] = []

    public init() {}

    mutating func apply(_ change: ClientRequest.WatchChange) {
        if let enable = change.enable { enabled = enable }
        if let events = change.events { self.events = events }
        if let frames = change.frames { self.frames = frames }
        if let stats = change.stats { self.stats = stats }
        if let sources = change.sources { self.sources = sources }
    }

    /// Whether a record of this class and source is for this subscriber (STATS are
    /// further rate-limited by the caller).
    func wants(_ record: OutgoingRecord) -> Bool {
        guard enabled else { return false }
        if let source = record.source, !sources.isEmpty, !sources.contains(source) { return false }
        switch record.name {
        case .event: return events
        case .frame: return frames
        case .stats: return stats > 0
        default: return true  // SOURCE, EOF: every watcher
        }
    }

    /// The effective WATCH, as the server echoes it.
    var record: JSONObject {
        Records.watch(enable: enabled, events: events, frames: frames, stats: stats, sources: sources)
    }
}

/// The server's limits ([limits] in mexd.toml(5)).
public struct ServerLimits: Sendable, Equatable {
    public var maxClients = 64
    public var requestLineBytes = 65_536
    /// Seconds; 0: never.
    public var idleTimeout = 300.0
    public var subscriberQueue = 1024
    /// A client that sends nothing this long is watching events (socat works as is).
    public var autoWatchDelay = 2.0
    /// POLL answers at most this many events per request.
    public var pollMaximum = 1000

    public init() {}
}

/// What the daemon answers on the server's behalf. Called from the server's event
/// loop; the async ones run in a task of their own.
public protocol ProtocolResponder: Sendable {
    func version() -> JSONObject
    func sources() -> JSONObject
    /// EVENT lines (JSON, no newline) in seq order; a thrown error's description
    /// goes back to the client as ERROR.
    func poll(_ request: PollRequest) async throws -> [String]
    /// Queues a file for scanning; the answer is the record the client gets.
    func scan(path: String) async throws -> JSONObject
}
