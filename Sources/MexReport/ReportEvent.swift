import Foundation
import MexCore

/// One event as a report draws it, whatever it came from: a scan's classified event
/// or an EVENT record read back from the journal.
public struct ReportEvent: Sendable {
    public struct KeyFrame: Sendable, Equatable {
        public var frame: Int
        public var time: Double

        public init(frame: Int, time: Double) {
            self.frame = frame
            self.time = time
        }
    }

    /// An encoded picture (JPEG or PNG bytes) and its MIME type, or a file to inline.
    public struct Picture: Sendable, Equatable {
        public var bytes: [UInt8]
        public var mimeType: String

        public init(bytes: [UInt8], mimeType: String) {
            self.bytes = bytes
            self.mimeType = mimeType
        }

        /// A picture file (a journal snapshot); nil if it cannot be read.
        public init?(file path: String) {
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            bytes = [UInt8](data)
            mimeType = path.hasSuffix(".png") ? "image/png" : "image/jpeg"
        }
    }

    /// What the event's pictures show.
    public struct Pictures: Sendable {
        public var onset: Picture?
        public var apex: Picture?
        public var offset: Picture?
        /// The onset-to-apex flow, colour-coded and as a magnitude map.
        public var flow: Picture?
        public var magnitude: Picture?
        /// Which flow that is ("TV-L1, the classifier's input" or "DIS, the spotter's").
        public var flowSource: String?
        /// The speed the pictures' full colour stands for, in crop pixels.
        public var flowScale: Double?

        public init() {}

        /// Each picture under its snapshot role (the journal's file names and the EVENT
        /// record's `snapshots` keys), in the order they are shown.
        public static let roles: [(role: String, picture: WritableKeyPath<Pictures, Picture?> & Sendable)] = [
            ("onset", \.onset), ("apex", \.apex), ("offset", \.offset), ("flow", \.flow), ("magnitude", \.magnitude),
        ]
    }

    public var number: Int
    /// The journal's seq, for events read back from it.
    public var seq: Int64?
    public var source: String
    public var track: Int
    public var kind: String
    public var onset: KeyFrame
    public var apex: KeyFrame
    public var offset: KeyFrame
    /// Nil: not classified (no model, or an error).
    public var label: String?
    /// The classifier's scores in its class order.
    public var scores: [(label: String, probability: Double)]
    public var peakScore: Double
    public var threshold: Double
    public var headMotion: Bool
    public var speech: Bool
    public var endReason: String?
    public var pictures = Pictures()
    /// The score around the event (journal reports; a scan report has the timeline).
    public var series: MotionSeries?
    /// Snapshot files the record names that could not be read (permissions, pruned).
    public var missingPictures = 0

    public init(number: Int, source: String, track: Int, kind: String, onset: KeyFrame, apex: KeyFrame, offset: KeyFrame,
                label: String?, scores: [(label: String, probability: Double)], peakScore: Double, threshold: Double,
                headMotion: Bool, speech: Bool, endReason: String? = nil) {
        self.number = number
        self.source = source
        self.track = track
        self.kind = kind
        self.onset = onset
        self.apex = apex
        self.offset = offset
        self.label = label
        self.scores = scores
        self.peakScore = peakScore
        self.threshold = threshold
        self.headMotion = headMotion
        self.speech = speech
        self.endReason = endReason
    }
}
