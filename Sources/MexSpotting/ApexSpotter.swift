/// One expression found by the spotter. Frames are source frame indices.
public struct SpottedInterval: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case micro, macro, movement
    }

    public var onset: Int
    /// The spotter's estimate: the middle of the motion, corrected for the smoothing lag.
    /// The pipeline refines it from the face crops.
    public var apex: Int
    public var offset: Int
    public var kind: Kind
    /// The smoothed score's peak and the threshold it crossed.
    public var peakScore: Double
    public var threshold: Double
    /// The frame at which the spotter decided (for the event's latency).
    public var decidedAt: Int
    public var headMotion: Bool
}

/// The causal apex spotter (DESIGN.md section 1) for one face track.
///
/// Per frame it takes the motion score and returns at most one finished expression:
/// 1. a lagged moving average of the score over `smoothing`;
/// 2. a running threshold T = max(mu + p (M - mu), median + k sigma, minimum) over the
///    trailing `history` of that average;
/// 3. a run starts when the average reaches T and ends once it has stayed below a
///    lower level (hysteresis) for `lookAhead`; its peak is the event;
/// 4. onset and offset are the first and last raw frames that move (above the raw
///    noise level) in a bounded window around the run, corrected for the flow's span
///    of `gap` frames;
/// 5. the duration types it micro, macro or movement.
/// Its state is O(history) scalars; it never sees a frame.
public struct ApexSpotter: Sendable {
    public let settings: SpotterSettings
    public let fps: Double
    /// The flow's span: the score at frame t measures motion from t - gap to t.
    public let gap: Int

    private let smoothingFrames: Int
    private let lookAheadFrames: Int
    private let warmUpFrames: Int
    private let marginFrames: Int
    private var window: SlidingStatistics      // the last `smoothing` raw scores
    private var smoothedHistory: SlidingStatistics
    private var rawHistory: SlidingStatistics  // recent raw scores, for onset/offset
    // Scores outside runs only: the noise levels must not learn from the expressions.
    private var quietSmoothed: SlidingStatistics
    private var quietRaw: SlidingStatistics
    private var rawNoise = (median: 0.0, sigma: 0.0)
    private var smoothedNoise = (median: 0.0, sigma: 0.0)
    private var headMotion: SlidingStatistics
    private var frames = 0
    private var lastFrame = -1

    private struct Run {
        var start: Int
        var peakFrame: Int
        var peak: Double
        var threshold: Double
        var lowThreshold: Double
        var below = 0
        var lastAbove: Int
    }
    private var run: Run?

    public init(fps: Double, gap: Int, settings: SpotterSettings = SpotterSettings()) {
        self.settings = settings
        self.fps = fps
        self.gap = max(1, gap)
        smoothingFrames = max(1, Int((settings.smoothing * fps).rounded()))
        lookAheadFrames = max(1, Int((settings.lookAhead * fps).rounded()))
        warmUpFrames = Int((settings.warmUp * fps).rounded())
        marginFrames = Int((settings.searchMargin * fps).rounded())
        window = SlidingStatistics(capacity: smoothingFrames)
        smoothedHistory = SlidingStatistics(capacity: max(1, Int((settings.history * fps).rounded())))
        // Long enough to look back over the longest event, the smoothing and the margin.
        let rawSpan = Int(((settings.macroMax + settings.smoothing + settings.lookAhead + 2 * settings.searchMargin) * fps).rounded()) + gap
        rawHistory = SlidingStatistics(capacity: rawSpan)
        headMotion = SlidingStatistics(capacity: rawSpan)
        quietSmoothed = SlidingStatistics(capacity: smoothedHistory.capacity)
        quietRaw = SlidingStatistics(capacity: smoothedHistory.capacity)
    }

    /// True while a run above the threshold is open.
    public var isInRun: Bool { run != nil }

    /// The threshold now (for records and tests).
    public var threshold: Double {
        let mu = smoothedHistory.mean, top = smoothedHistory.maximum
        return max(mu + settings.p * (top - mu), smoothedNoise.median + settings.noiseK * smoothedNoise.sigma,
                   settings.minimumThreshold)
    }

    /// Feeds frame `frame`'s score; returns an expression when one has just ended.
    public mutating func push(frame: Int, score: Double, headMotion head: Double = 0) -> SpottedInterval? {
        if lastFrame >= 0 && frame != lastFrame + 1 { reset() }   // a gap in the track: start over
        lastFrame = frame
        frames += 1
        window.push(score)
        rawHistory.push(score)
        headMotion.push(head)
        let smoothed = window.mean
        if run == nil {
            quietSmoothed.push(smoothed)
            quietRaw.push(score)
        }
        // The noise levels move slowly: refresh them twice a second, not every frame.
        if frames % max(1, Int(fps / 2)) == 0 || frames == warmUpFrames {
            smoothedNoise = quietSmoothed.medianAndSigma()
            rawNoise = quietRaw.medianAndSigma()
        }
        let t = threshold
        smoothedHistory.push(smoothed)
        guard frames > warmUpFrames else { return nil }

        if var current = run {
            // Hysteresis: once started, a run lasts while the average stays above the
            // lower level, which bridges the slow moment at an expression's apex.
            if smoothed >= current.lowThreshold {
                current.below = 0
                current.lastAbove = frame
                if smoothed > current.peak { current.peak = smoothed; current.peakFrame = frame }
                run = current
                return nil
            }
            current.below += 1
            run = current
            guard current.below >= lookAheadFrames else { return nil }
            run = nil
            return finish(current, at: frame)
        }
        if smoothed >= t && smoothed > 0 {
            let low = smoothedNoise.median + settings.hysteresis * (t - smoothedNoise.median)
            run = Run(start: frame, peakFrame: frame, peak: smoothed, threshold: t, lowThreshold: low, lastAbove: frame)
        }
        return nil
    }

    /// Ends a run in progress (end of stream, shutdown).
    public mutating func flush() -> SpottedInterval? {
        guard let current = run else { return nil }
        run = nil
        return finish(current, at: lastFrame)
    }

    public mutating func reset() {
        window = SlidingStatistics(capacity: window.capacity)
        rawHistory = SlidingStatistics(capacity: rawHistory.capacity)
        headMotion = SlidingStatistics(capacity: headMotion.capacity)
        quietSmoothed = SlidingStatistics(capacity: quietSmoothed.capacity)
        quietRaw = SlidingStatistics(capacity: quietRaw.capacity)
        smoothedHistory = SlidingStatistics(capacity: smoothedHistory.capacity)
        run = nil
        frames = 0
    }

    private func finish(_ run: Run, at frame: Int) -> SpottedInterval? {
        // The raw scores from the run's start minus the smoothing span and a margin, to now.
        let first = max(frame - rawHistory.count + 1, run.start - smoothingFrames - marginFrames)
        let rawLevel = rawNoise.median + settings.rawK * rawNoise.sigma
        var firstMoving: Int?, lastMoving: Int?
        var head = 0.0
        for f in first...frame {
            guard let value = rawHistory.recent(frame - f) else { continue }
            head = max(head, headMotion.recent(frame - f) ?? 0)
            if value > rawLevel {
                if firstMoving == nil { firstMoving = f }
                lastMoving = f
            }
        }
        guard let start = firstMoving, let end = lastMoving else { return nil }
        // Frame t's score covers motion from t - gap to t: motion first shows one frame
        // after the last still frame, and last shows gap - 1 frames after it stops.
        let onset = max(0, start - 1)
        let offset = max(onset, end - gap + 1)
        let duration = Double(offset - onset + 1) / fps
        let kind: SpottedInterval.Kind
        if duration < settings.minDuration || duration > settings.macroMax {
            kind = .movement
        } else {
            kind = duration <= settings.microMax ? .micro : .macro
        }
        if kind == .movement && !settings.reportMovement { return nil }
        // The smoothed peak lags the middle of the motion by half the smoothing window.
        let apex = min(offset, max(onset, run.peakFrame - smoothingFrames / 2))
        return SpottedInterval(onset: onset, apex: apex, offset: offset, kind: kind, peakScore: run.peak,
                               threshold: run.threshold, decidedAt: frame, headMotion: head > settings.headMotionLimit)
    }
}
