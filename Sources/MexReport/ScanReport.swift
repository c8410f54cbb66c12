import Foundation
import MexCore
import Synchronization

/// `mexd scan --report FILE.html`: one self-contained HTML page per input, written as
/// the scan goes. The page opens with its style and a note that the scan is under way;
/// each event's card is appended the moment the event is delivered; when the scan
/// ends, the summary and the per-track timelines are appended and the note hidden.
/// The page is a flex column whose sections carry their place in `order`, so the
/// summary and timelines, written last, are shown first. A scan that is stopped
/// (SIGINT) ends through the same path and leaves a whole report of what it saw; a
/// scan that is killed leaves a page of the events so far, which browsers still show.
///
/// Memory stays flat: an event's pictures are encoded when it arrives and written
/// out, and each track's timeline is a bounded number of bins (`TrackTimeline`).
public final class ScanReport: Sendable {
    /// A face on one frame, as the timeline needs it.
    public struct FaceSample: Sendable {
        public var track: Int
        public var score: Double?
        public var threshold: Double
        public var speaking: Bool
        public var headMoving: Bool
        public var detected: Bool

        public init(track: Int, score: Double?, threshold: Double, speaking: Bool, headMoving: Bool, detected: Bool) {
            self.track = track
            self.score = score
            self.threshold = threshold
            self.speaking = speaking
            self.headMoving = headMoving
            self.detected = detected
        }
    }

    /// What the summary says about the model.
    public struct Model: Sendable {
        public var name: String
        public var trainingData: String?

        public init(name: String, trainingData: String?) {
            self.name = name
            self.trainingData = trainingData
        }
    }

    /// How the scan ended, for the summary.
    public struct Ending: Sendable {
        public var frames: Int
        public var droppedFrames: Int
        /// e.g. "end of file", "stopped", "read error: ...".
        public var how: String

        public init(frames: Int, droppedFrames: Int, how: String) {
            self.frames = frames
            self.droppedFrames = droppedFrames
            self.how = how
        }
    }

    private struct State: ~Copyable {
        var file: FileHandle?
        var error: String?
        var info: StreamInfo?
        var timelines: [Int: TrackTimeline] = [:]
        var marks: [Int: [TimelineDrawing.Mark]] = [:]
        var events: [(kind: String, label: String?)] = []
        var firstPts: Double?
        var lastPts: Double?
        var frameStep = 1.0 / 30
    }

    public let path: String
    private let source: String
    private let video: String?
    private let model: Model?
    private let state: Mutex<State>

    /// Creates (truncates) the page at `path`. `video` is how the page links the
    /// input (see `videoLink`); nil: no player.
    public init(path: String, source: String, video: String?, model: Model?) throws(ReportError) {
        self.path = path
        self.source = source
        self.video = video
        self.model = model
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw .cannotWrite(path, reason: "cannot create the file")
        }
        state = Mutex(State(file: file))
        write(Self.opening(source: source))
    }

    /// The first error met while writing, if any: the scan goes on without its report.
    public var error: String? { state.withLock { $0.error } }

    public func opened(_ info: StreamInfo) {
        state.withLock { s in
            s.info = info
            if let fps = info.fps, fps > 0 { s.frameStep = 1 / fps }
        }
    }

    /// Notes one analysed frame's faces.
    public func frame(pts: Double, faces: [FaceSample]) {
        state.withLock { s in
            if s.firstPts == nil { s.firstPts = pts }
            s.lastPts = pts
            for f in faces {
                let step = s.frameStep
                s.timelines[f.track, default: TrackTimeline(track: f.track, start: pts, frameStep: step)]
                    .add(pts: pts, score: f.score, threshold: f.threshold, speaking: f.speaking, headMoving: f.headMoving, detected: f.detected)
            }
        }
    }

    /// Writes an event's card now.
    public func event(_ event: ReportEvent) {
        let html = EventCard(event: event, video: video).html()
        state.withLock { s in
            s.events.append((event.kind, event.label))
            s.marks[event.track, default: []].append(TimelineDrawing.Mark(
                number: event.number, kind: event.kind, label: event.label, onset: (event.onset.frame, event.onset.time),
                apex: (event.apex.frame, event.apex.time), offset: (event.offset.frame, event.offset.time)))
            Self.append(html, to: &s)
        }
    }

    /// Writes the summary and the timelines and closes the page.
    public func finish(_ ending: Ending) {
        state.withLock { s in
            guard s.file != nil else { return }
            Self.append(summary(ending, &s), to: &s)
            Self.append(timelines(ending, &s), to: &s)
            Self.append("<style>.partial{display:none}</style></main></body></html>\n", to: &s)
            do { try s.file?.close() } catch { if s.error == nil { s.error = "\(error)" } }
            s.file = nil
        }
    }

    private func write(_ text: String) {
        state.withLock { s in Self.append(text, to: &s) }
    }

    private static func append(_ text: String, to s: inout State) {
        guard let file = s.file, s.error == nil else { return }
        do { try file.write(contentsOf: Data(text.utf8)) } catch { s.error = "cannot write \(error)" }
    }

    private static func opening(source: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>mexd report: \(HTML.escape(source))</title><style>\(ReportStyle.css)</style></head><body>\n"
            + "<header><h1>mexd scan report</h1><p>\(HTML.escape(source))</p></header>\n"
            + TimelineDrawing.definitions
            + "<main>\n<section class=\"partial caveat\" style=\"order:0\">This report is incomplete: the scan had not finished "
            + "when it was written. The events below are those found so far.</section>\n"
    }

    private func summary(_ ending: Ending, _ s: inout State) -> String {
        var out = "<section class=\"summary\" style=\"order:1\"><h2>Summary</h2><table>"
        func row(_ name: String, _ value: String) { out += "<tr><th>\(HTML.escape(name))</th><td>\(value)</td></tr>" }
        row("source", HTML.escape(source))
        if let info = s.info {
            let rate = info.fps.map { " at \(HTML.number($0, digits: 2)) fps" } ?? ""
            row("video", "\(info.width)x\(info.height)\(rate), \(HTML.escape(info.format))")
        }
        let duration = (s.lastPts ?? 0) - (s.firstPts ?? 0) + (s.lastPts == nil ? 0 : s.frameStep)
        row("duration", HTML.clock(duration) + " (\(ending.frames) frames analysed"
            + (ending.droppedFrames > 0 ? ", \(ending.droppedFrames) dropped" : "") + ")")
        row("ended", HTML.escape(ending.how))
        row("faces", "\(s.timelines.count) track\(s.timelines.count == 1 ? "" : "s")")
        var kinds: [String: Int] = [:], labels: [String: Int] = [:]
        for e in s.events {
            kinds[e.kind, default: 0] += 1
            labels[e.label ?? "unlabelled", default: 0] += 1
        }
        let list = { (d: [String: Int]) in d.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) \($0.value)" }.joined(separator: ", ") }
        row("events", "<span class=\"event-count\">\(s.events.count)</span>" + (s.events.isEmpty ? "" : ": " + list(kinds)))
        if !labels.isEmpty { row("labels", list(labels)) }
        if let model {
            row("model", HTML.escape(model.name))
        } else {
            row("model", "none: events are spotted, not classified")
        }
        out += "</table>"
        if let data = model?.trainingData {
            out += "<p class=\"caveat\"><b>What the model knows:</b> \(HTML.escape(data))</p>"
        }
        out += "</section>\n"
        return out
    }

    private func timelines(_ ending: Ending, _ s: inout State) -> String {
        var out = "<section class=\"timeline\" style=\"order:2\"><h2>Timeline</h2>"
        out += "<p class=\"legend\"><span><i style=\"background:#1f6fb4\"></i>motion score</span>"
        out += "<span><i style=\"background:#c0392b\"></i>threshold</span><span><i style=\"background:#e67e22\"></i>micro</span>"
        out += "<span><i style=\"background:#8e44ad\"></i>macro</span><span><i style=\"background:#16a085\"></i>speech</span>"
        out += "<span><i style=\"background:#7f8c8d\"></i>head motion</span><span><i style=\"background:#c9c9c9\"></i>gap</span></p>"
        let start = s.firstPts ?? 0
        let end = max(s.lastPts.map { $0 + s.frameStep } ?? start + 1, start + 1e-3)
        if s.timelines.isEmpty { out += "<p class=\"muted\">No face was tracked.</p>" }
        for (track, timeline) in s.timelines.sorted(by: { $0.key < $1.key }) {
            let marks = s.marks[track] ?? []
            out += "<h3>Track \(track) <span class=\"muted\">\(HTML.clock(timeline.first))–\(HTML.clock(timeline.last)), "
            out += "\(marks.count) event\(marks.count == 1 ? "" : "s")</span></h3>"
            out += TimelineDrawing(timeline: timeline, marks: marks, start: start, end: end).svg()
        }
        out += "</section>\n"
        return out
    }
}

public enum ReportError: Error, CustomStringConvertible, Sendable {
    case cannotWrite(String, reason: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason): "cannot write the report \(path): \(reason)"
        }
    }
}
