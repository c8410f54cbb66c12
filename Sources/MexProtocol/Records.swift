import Foundation
import MexCore

/// The records mexd writes (DESIGN.md section 3; man/mexd-protocol.7 is the contract).
/// Each builder returns the record as a `JSONObject` so callers can add fields.
public enum Records {
    public static let protoMajor = 0
    public static let protoMinor = 1

    /// Source state changes. `state` is online|offline|reconnecting|eof|disabled.
    public static func source(name: String, state: String, info: StreamInfo?, reason: String? = nil,
                              time: Date = Date()) -> JSONObject {
        var o = JSONObject(class: "SOURCE")
        o.set("source", name)
        o.set("state", state)
        o.set("reason", reason)
        if let info {
            o.set("kind", info.kind.rawValue)
            o.set("location", info.location)
            o.set("width", info.width)
            o.set("height", info.height)
            o.set("fps", info.fps, decimals: 3)
            o.set("format", info.format)
            o.set("duration_s", info.duration, decimals: 3)
        }
        o.set("time", timestamp(time))
        return o
    }

    /// Per-frame record, opt-in (`--frames`, or `"frames":true` in WATCH).
    public static func frame(source: String, frame: Frame) -> JSONObject {
        var o = JSONObject(class: "FRAME")
        o.set("source", source)
        o.set("frame", frame.index)
        o.set("pts", frame.pts, decimals: 6)
        if let wall = frame.wallTime { o.set("time", timestamp(wall)) }
        return o
    }

    /// A source finished: totals for the whole stream.
    public static func eof(source: String, statistics: SourceStatistics, duration: Double,
                           elapsed: Double, time: Date = Date()) -> JSONObject {
        var o = JSONObject(class: "EOF")
        o.set("source", source)
        o.set("end", statistics.endReason.rawValue)
        o.set("frames", statistics.frames)
        o.set("duration_s", duration, decimals: 3)
        o.set("elapsed_s", elapsed, decimals: 3)
        o.set("decode_fps", elapsed > 0 ? Double(statistics.frames) / elapsed : nil, decimals: 1)
        o.set("corrupt_packets", statistics.corruptPackets)
        o.set("corrupt_frames", statistics.corruptFrames)
        o.set("dropped_frames", statistics.droppedFrames)
        if !statistics.warnings.isEmpty {
            o.set("warnings", .array(statistics.warnings.map(JSONObject.Value.string)))
        }
        o.set("time", timestamp(time))
        return o
    }

    /// ISO 8601 UTC with milliseconds, e.g. 2026-05-04T10:31:00.289Z.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
