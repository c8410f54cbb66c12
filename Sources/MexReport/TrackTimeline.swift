/// One face track's motion over a whole scan, in a bounded number of time bins: the
/// bin width starts at one frame and doubles (neighbouring bins merged) whenever the
/// track would need more than `maximumBins`, so memory stays flat however long the
/// scan runs, and the drawing never has more points than a page can show.
public struct TrackTimeline: Sendable {
    public struct Bin: Sendable, Equatable {
        /// The largest score of the frames in the bin; nil: none was scored.
        public var score: Double?
        /// The last threshold in the bin.
        public var threshold: Double?
        /// Some frame of the bin had speech, head motion, the face not detected.
        public var speaking = false
        public var headMoving = false
        public var undetected = false
        /// Some frame of the bin had the face.
        public var present = false

        mutating func merge(_ other: Bin) {
            if let s = other.score { score = max(score ?? s, s) }
            if other.threshold != nil { threshold = other.threshold }
            speaking = speaking || other.speaking
            headMoving = headMoving || other.headMoving
            undetected = undetected || other.undetected
            present = present || other.present
        }
    }

    public let track: Int
    /// Stream seconds where bin 0 starts: half a frame before the first frame, so that
    /// frames fall mid-bin and the rounding of their pts cannot move them a bin.
    public let origin: Double
    public private(set) var binWidth: Double
    public private(set) var bins: [Bin] = []
    public let maximumBins: Int
    /// Stream seconds of the first and last frame with the face.
    public private(set) var first: Double
    public private(set) var last: Double

    public init(track: Int, start: Double, frameStep: Double, maximumBins: Int = 2048) {
        self.track = track
        binWidth = max(frameStep, 1e-3)
        origin = start - binWidth / 2
        self.maximumBins = max(2, maximumBins)
        first = start
        last = start
    }

    /// Adds one frame of the face.
    public mutating func add(pts: Double, score: Double?, threshold: Double?, speaking: Bool, headMoving: Bool, detected: Bool) {
        guard pts >= origin else { return }
        var index = bin(of: pts)
        while index >= maximumBins {
            coarsen()
            index = bin(of: pts)
        }
        if index >= bins.count { bins.append(contentsOf: repeatElement(Bin(), count: index + 1 - bins.count)) }
        bins[index].merge(Bin(score: score, threshold: score == nil ? nil : threshold, speaking: speaking,
                              headMoving: headMoving, undetected: !detected, present: true))
        last = max(last, pts)
    }

    private func bin(of pts: Double) -> Int {
        Int(((pts - origin) / binWidth).rounded(.down))
    }

    /// Stream seconds where bin `i` starts.
    public func time(_ i: Int) -> Double { origin + Double(i) * binWidth }

    private mutating func coarsen() {
        var merged: [Bin] = []
        merged.reserveCapacity((bins.count + 1) / 2)
        var i = 0
        while i < bins.count {
            var bin = bins[i]
            if i + 1 < bins.count { bin.merge(bins[i + 1]) }
            merged.append(bin)
            i += 2
        }
        bins = merged
        binWidth *= 2
    }

    /// The runs of consecutive bins for which `test` holds, as [start, end) seconds.
    public func spans(where test: (Bin) -> Bool) -> [(start: Double, end: Double)] {
        var out: [(Double, Double)] = []
        var open: Int?
        for (i, bin) in bins.enumerated() {
            if test(bin) {
                if open == nil { open = i }
            } else if let o = open {
                out.append((time(o), time(i)))
                open = nil
            }
        }
        if let o = open { out.append((time(o), time(bins.count))) }
        return out
    }
}
