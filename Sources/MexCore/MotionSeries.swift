/// A face's motion score and the spotter's threshold around one event, sampled at a
/// fixed step: what a picture of the event draws its curve from (the journal keeps one
/// per event; `EventSeriesRecorder` makes it).
public struct MotionSeries: Sendable, Equatable, Codable {
    /// Stream seconds of the first sample.
    public var start: Double
    /// Seconds between samples.
    public var step: Double
    /// The largest score in each step; nil where the face was not scored.
    public var score: [Double?]
    /// The threshold in force at the end of each step; nil where the face was not scored.
    public var threshold: [Double?]

    public init(start: Double, step: Double, score: [Double?], threshold: [Double?]) {
        precondition(score.count == threshold.count, "MotionSeries: one threshold per score")
        self.start = start
        self.step = step
        self.score = score
        self.threshold = threshold
    }

    /// Stream seconds of sample `i`.
    public func time(_ i: Int) -> Double { start + Double(i) * step }

    public var count: Int { score.count }
}
