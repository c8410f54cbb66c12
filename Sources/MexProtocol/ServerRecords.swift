import Foundation
import MexCore

/// The records the daemon's server writes (man/mexd-protocol.7, SERVER RECORDS), each
/// from typed values, so that field names and class names live here only.
extension Records {
    /// The classifier a VERSION record names.
    public struct ModelSummary: Sendable, Equatable {
        public var name: String
        /// Architecture version and training date.
        public var version: String
        public var labels: [String]

        public init(name: String, version: String, labels: [String]) {
            self.name = name
            self.version = version
            self.labels = labels
        }
    }

    public static func version(release: String, model: ModelSummary?) -> JSONObject {
        var o = JSONObject(class: .version)
        o.set("release", release)
        o.set("proto_major", protoMajor)
        o.set("proto_minor", protoMinor)
        if let model {
            var m = JSONObject()
            m.set("name", model.name)
            m.set("version", model.version)
            // As in EVENT's model object: the number of classes; the names are labels.
            m.set("classes", model.labels.count)
            m.set("labels", .array(model.labels.map(JSONObject.Value.string)))
            o.set("model", m)
        }
        return o
    }

    /// The effective subscription, as the server echoes it.
    public static func watch(enable: Bool, events: Bool, frames: Bool, stats: Double, sources: [String]) -> JSONObject {
        var o = JSONObject(class: .watch)
        o.set("enable", enable)
        o.set("events", events)
        o.set("frames", frames)
        o.set("stats", stats, decimals: 3)
        o.set("sources", .array(sources.map(JSONObject.Value.string)))
        return o
    }

    /// One source as SOURCES lists it.
    public struct SourceEntry: Sendable {
        public var name: String
        public var kind: SourceKind
        public var location: String
        public var state: SourceState
        public var reason: String?
        public var enabled: Bool
        public var info: StreamInfo?

        public init(name: String, kind: SourceKind, location: String, state: SourceState, reason: String?, enabled: Bool,
                    info: StreamInfo?) {
            self.name = name
            self.kind = kind
            self.location = location
            self.state = state
            self.reason = reason
            self.enabled = enabled
            self.info = info
        }
    }

    public static func sources(_ entries: [SourceEntry]) -> JSONObject {
        var o = JSONObject(class: .sources)
        o.set("sources", .array(entries.map { entry in
            var s = JSONObject()
            s.set("source", entry.name)
            s.set("kind", entry.kind.rawValue)
            s.set("location", entry.location)
            s.set("state", entry.state.rawValue)
            s.set("reason", entry.reason)
            s.set("enabled", entry.enabled)
            if let info = entry.info {
                s.set("width", info.width)
                s.set("height", info.height)
                s.set("fps", info.fps, decimals: 3)
            }
            return .object(s)
        }))
        return o
    }

    /// One source's totals in a STATS record.
    public struct SourceTotals: Sendable {
        public var name: String
        public var state: SourceState
        public var frames: Int
        public var droppedFrames: Int
        public var faces: Int
        public var events: Int
        public var reconnects: Int

        public init(name: String, state: SourceState, frames: Int, droppedFrames: Int, faces: Int, events: Int, reconnects: Int) {
            self.name = name
            self.state = state
            self.frames = frames
            self.droppedFrames = droppedFrames
            self.faces = faces
            self.events = events
            self.reconnects = reconnects
        }
    }

    /// The server's totals in a STATS record.
    public struct ServerTotals: Sendable {
        public var clients: Int
        public var droppedRecords: Int
        public var slowDisconnects: Int

        public init(clients: Int, droppedRecords: Int, slowDisconnects: Int) {
            self.clients = clients
            self.droppedRecords = droppedRecords
            self.slowDisconnects = slowDisconnects
        }
    }

    public static func stats(uptime: Double, server: ServerTotals, lastSeq: Int64?, sources: [SourceTotals],
                             time: Date = Date()) -> JSONObject {
        var o = JSONObject(class: .stats)
        o.set("time", timestamp(time))
        o.set("uptime_s", uptime, decimals: 1)
        o.set("clients", server.clients)
        o.set("dropped_records", server.droppedRecords)
        o.set("slow_disconnects", server.slowDisconnects)
        o.set("last_seq", lastSeq.map { Int($0) })
        o.set("sources", .array(sources.map { s in
            var source = JSONObject()
            source.set("source", s.name)
            source.set("state", s.state.rawValue)
            source.set("frames", s.frames)
            source.set("dropped_frames", s.droppedFrames)
            source.set("faces", s.faces)
            source.set("events", s.events)
            source.set("reconnects", s.reconnects)
            return .object(source)
        }))
        return o
    }

    /// How many records of each lossy class a slow client lost since the last DROPPED.
    public static func dropped(_ counts: [RecordClass: Int]) -> JSONObject {
        var o = JSONObject(class: .dropped)
        for name in counts.keys.sorted(by: { $0.rawValue < $1.rawValue }) { o.set(name.rawValue.lowercased(), counts[name]) }
        o.set("reason", "queue full: the client reads slower than records arrive")
        return o
    }

    /// A request was refused, or the connection is; the connection stays open unless
    /// the server says otherwise.
    public static func error(_ message: String, request: RequestClass? = nil) -> JSONObject {
        var o = JSONObject(class: .error)
        o.set("message", message)
        o.set("request", request?.rawValue)
        return o
    }

    /// Heads a POLL answer; `more` only with `since`.
    public static func poll(count: Int, since: Int64?, more: Bool?) -> JSONObject {
        var o = JSONObject(class: .poll)
        o.set("count", count)
        o.set("since", since.map { Int($0) })
        o.set("more", more)
        return o
    }

    /// What became of a SCAN request.
    public enum ScanState: String, Sendable {
        case running
        case queued
    }

    public static func scan(path: String, source: String, state: ScanState, position: Int? = nil) -> JSONObject {
        var o = JSONObject(class: .scan)
        o.set("path", path)
        o.set("source", source)
        o.set("state", state.rawValue)
        o.set("position", position)
        return o
    }

    /// The last record on every connection when the daemon stops.
    public static func shutdown(reason: String, lastSeq: Int64?, time: Date = Date()) -> JSONObject {
        var o = JSONObject(class: .shutdown)
        o.set("reason", reason)
        o.set("last_seq", lastSeq.map { Int($0) })
        o.set("time", timestamp(time))
        return o
    }
}

extension RecordClass {
    /// The class of a record read back as a dictionary.
    public static func of(_ object: [String: Any]) -> RecordClass? {
        (object["class"] as? String).flatMap(RecordClass.init(rawValue:))
    }

    /// The class of a record line as mexd writes it (`class` first), read from its
    /// first characters without parsing the rest.
    public static func of(line: String) -> RecordClass? {
        let prefix = #"{"class":""#
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.utf8.dropFirst(prefix.utf8.count).prefix(16)
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(rest[..<end]).flatMap(RecordClass.init(rawValue:))
    }
}

extension ClientRequest {
    /// The request as one line of JSON, as a client sends it.
    public var line: String {
        switch self {
        case .watch(let change):
            var o = JSONObject(request: .watch)
            o.set("enable", change.enable)
            o.set("events", change.events)
            o.set("frames", change.frames)
            o.set("stats", change.stats, decimals: 3)
            o.set("sources", change.sources.map { .array($0.map(JSONObject.Value.string)) })
            return o.line
        case .poll(let poll):
            var o = JSONObject(request: .poll)
            o.set("since", poll.since.map { Int($0) })
            o.set("count", poll.count.map { Int($0) })
            o.set("sources", poll.sources.map { .array($0.map(JSONObject.Value.string)) })
            return o.line
        case .sources: return JSONObject(request: .sources).line
        case .version: return JSONObject(request: .version).line
        case .scan(let path):
            var o = JSONObject(request: .scan)
            o.set("path", path)
            return o.line
        }
    }
}
