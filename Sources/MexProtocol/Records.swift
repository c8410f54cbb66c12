import Foundation
import MexCore

/// The records mexd writes (man/mexd-protocol.7 is the contract). Each builder returns
/// the record as a `JSONObject`; the server's own records are in ServerRecords.swift.
public enum Records {
    public static let protoMajor = 0
    public static let protoMinor = 1

    /// A source changed state; a reconnecting source says when it tries again.
    public static func source(name: String, state: SourceState, info: StreamInfo?, reason: String? = nil,
                              retry: (inSeconds: Double, attempt: Int)? = nil, time: Date = Date()) -> JSONObject {
        var o = JSONObject(class: .source)
        o.set("source", name)
        o.set("state", state.rawValue)
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
        if let retry {
            o.set("retry_in_s", retry.inSeconds, decimals: 3)
            o.set("attempt", retry.attempt)
        }
        return o
    }

    /// One face in a FRAME record: its track, box, and motion score with the threshold.
    public struct FrameFace: Sendable {
        public var trackID: Int
        public var box: FaceBox
        public var confidence: Double
        public var score: Double?
        public var threshold: Double?

        public init(trackID: Int, box: FaceBox, confidence: Double, score: Double?, threshold: Double?) {
            self.trackID = trackID
            self.box = box
            self.confidence = confidence
            self.score = score
            self.threshold = threshold
        }
    }

    /// Per-frame record, opt-in (`--frames`, or `"frames":true` in WATCH).
    public static func frame(source: String, frame: Frame, faces: [FrameFace]? = nil) -> JSONObject {
        var o = JSONObject(class: .frame)
        o.set("source", source)
        o.set("frame", frame.index)
        o.set("pts", frame.pts, decimals: 6)
        if let wall = frame.wallTime { o.set("time", timestamp(wall)) }
        if let faces {
            o.set("faces", .array(faces.map { f in
                var face = JSONObject()
                face.set("track_id", f.trackID)
                for field in self.face(box: f.box, confidence: f.confidence).fields { face.set(field.key, field.value) }
                face.set("score", f.score, decimals: 4)
                face.set("threshold", f.threshold, decimals: 4)
                return .object(face)
            }))
        }
        return o
    }

    /// A source finished: totals for the whole stream.
    public static func eof(source: String, statistics: SourceStatistics, duration: Double,
                           elapsed: Double, time: Date = Date()) -> JSONObject {
        var o = JSONObject(class: .eof)
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

extension Records {
    /// What the classifier said, as EVENT and CLASSIFICATION records carry it.
    public struct ClassifierResult: Sendable {
        public var label: String
        public var classes: [String]
        public var probabilities: [Double]
        public var logits: [Float]
        public var modelName: String
        public var modelVersion: String

        public init(label: String, classes: [String], probabilities: [Double], logits: [Float],
                    modelName: String, modelVersion: String) {
            self.label = label
            self.classes = classes
            self.probabilities = probabilities
            self.logits = logits
            self.modelName = modelName
            self.modelVersion = modelVersion
        }
    }

    /// A key frame reference: {"frame":N,"pts":S}.
    public static func keyFrame(_ frame: Frame) -> JSONObject {
        var o = JSONObject()
        o.set("frame", frame.index)
        o.set("pts", frame.pts, decimals: 6)
        return o
    }

    /// {"box":[x,y,w,h],"confidence":C}
    public static func face(box: FaceBox, confidence: Double) -> JSONObject {
        let r = box.rounded
        var o = JSONObject()
        o.set("box", .array([r.x, r.y, r.width, r.height].map(JSONObject.Value.int)))
        o.set("confidence", confidence, decimals: 3)
        return o
    }

    /// Adds label, scores, logits and model to a record.
    public static func add(_ result: ClassifierResult, to o: inout JSONObject) {
        o.set("label", result.label)
        var scores = JSONObject()
        for (name, p) in zip(result.classes, result.probabilities) { scores.set(name, p, decimals: 4) }
        o.set("scores", scores)
        o.set("logits", .array(result.logits.map { .double(Double($0), decimals: 5) }))
        var model = JSONObject()
        model.set("name", result.modelName)
        model.set("version", result.modelVersion)
        model.set("classes", result.classes.count)
        o.set("model", model)
    }

    /// `mexd classify`'s one record: an event whose key frames were given.
    public static func classification(source: String, trackID: Int, box: FaceBox, confidence: Double,
                                      onset: Frame, apex: Frame, offset: Frame, result: ClassifierResult) -> JSONObject {
        var o = JSONObject(class: .classification)
        o.set("source", source)
        o.set("track_id", trackID)
        o.set("onset", keyFrame(onset))
        o.set("apex", keyFrame(apex))
        o.set("offset", keyFrame(offset))
        o.set("face", face(box: box, confidence: confidence))
        add(result, to: &o)
        return o
    }
}

extension Records {
    /// Everything an EVENT record says.
    public struct EventFields: Sendable {
        public var source: String
        public var sequence: Int
        public var trackID: Int
        public var kind: String
        public var onset: Frame
        public var apex: Frame
        public var offset: Frame
        public var peakScore: Double
        public var threshold: Double
        public var latency: Double
        public var box: FaceBox
        public var confidence: Double
        public var headMotion: Bool
        /// The event overlapped speech.
        public var speech: Bool
        public var droppedFrames: Int
        public var result: ClassifierResult?
        public var endReason: EventEndReason?
        public var time: Date
        /// The event's pictures kept beside the journal (`[journal] snapshots`): role
        /// (onset, apex, offset, flow, magnitude) to absolute path.
        public var snapshots: [String: String] = [:]

        public init(source: String, sequence: Int, trackID: Int, kind: String, onset: Frame, apex: Frame, offset: Frame,
                    peakScore: Double, threshold: Double, latency: Double, box: FaceBox, confidence: Double,
                    headMotion: Bool, speech: Bool = false, droppedFrames: Int, result: ClassifierResult?, endReason: EventEndReason? = nil, time: Date = Date()) {
            self.source = source
            self.sequence = sequence
            self.trackID = trackID
            self.kind = kind
            self.onset = onset
            self.apex = apex
            self.offset = offset
            self.peakScore = peakScore
            self.threshold = threshold
            self.latency = latency
            self.box = box
            self.confidence = confidence
            self.headMotion = headMotion
            self.speech = speech
            self.droppedFrames = droppedFrames
            self.result = result
            self.endReason = endReason
            self.time = time
        }
    }

    public static func event(_ e: EventFields) -> JSONObject {
        var o = JSONObject(class: .event)
        o.set("id", "\(e.source)-" + String(repeating: "0", count: max(0, 6 - String(e.sequence).count)) + String(e.sequence))
        o.set("seq", e.sequence)
        o.set("source", e.source)
        o.set("track_id", e.trackID)
        o.set("time", timestamp(e.time))
        o.set("kind", e.kind)
        o.set("onset", keyFrame(e.onset))
        o.set("apex", keyFrame(e.apex))
        o.set("offset", keyFrame(e.offset))
        var spot = JSONObject()
        spot.set("score", e.peakScore, decimals: 4)
        spot.set("threshold", e.threshold, decimals: 4)
        o.set("spot", spot)
        o.set("latency_s", e.latency, decimals: 3)
        o.set("face", face(box: e.box, confidence: e.confidence))
        if let result = e.result { add(result, to: &o) }
        var quality = JSONObject()
        quality.set("head_motion", e.headMotion)
        quality.set("speech", e.speech)
        quality.set("dropped_frames", e.droppedFrames)
        o.set("quality", quality)
        o.set("end_reason", e.endReason?.rawValue)
        if !e.snapshots.isEmpty {
            var pictures = JSONObject()
            let known = ["onset", "apex", "offset", "flow", "magnitude"]
            for role in known { pictures.set(role, e.snapshots[role]) }
            for (role, path) in e.snapshots.sorted(by: { $0.key < $1.key }) where !known.contains(role) { pictures.set(role, path) }
            o.set("snapshots", pictures)
        }
        return o
    }
}
