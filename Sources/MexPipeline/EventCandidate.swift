import MexCore
import MexSpotting

/// A spotted expression with what classifying it needs: the three key crops of one
/// track, cut with one box.
public struct EventCandidate: Sendable {
    public struct KeyFrame: Sendable {
        public var frame: Int
        public var pts: Double
        public var crop: GrayImage
    }

    public var source: String
    public var trackID: Int
    public var interval: SpottedInterval
    public var onset: KeyFrame
    public var apex: KeyFrame
    public var offset: KeyFrame
    public var box: FaceBox
    public var confidence: Double
    /// Stream seconds between the apex and the frame at which the spotter decided.
    public var latency: Double
    /// Frames the source dropped while the event was under way.
    public var droppedFrames: Int

    /// The event's name for its score series, which completes later.
    public var key: EventKey { EventKey(track: trackID, onset: interval.onset) }
}
