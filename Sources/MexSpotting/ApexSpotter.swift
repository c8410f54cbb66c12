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
    /// The run overlapped speech (`SpeechDetector`).
    public var speech = false
}

/// The causal apex spotter for one face track (docs/ARCHITECTURE.md section 7 gives
/// its states and end rules).
///
/// Per frame it takes the motion score and returns at most one finished expression:
/// 1. a lagged moving average of the score over `smoothing`;
/// 2. a running threshold T = max(mu + p (M - mu), median + k sigma, minimum) over the
///    trailing `history` of that average;
/// 3. a run starts when the average reaches T. Given the displacement from the run's
///    reference face, it ends once the face is back and still, has settled elsewhere,
///    or moves on to a new expression; without it, once the average has stayed below
///    a lower level (hysteresis) for `lookAhead`;
/// 4. onset, apex and offset come from the displacement profile
///    (`DisplacementProfile`), or without one from the first and last raw frames that
///    move (above the raw noise level) in a bounded window around the run, corrected
///    for the flow's span of `gap` frames;
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
    private let preRollFrames: Int
    /// Gaps in a track up to this long (0.1 s) are bridged rather than restarting.
    private let maxFillFrames: Int
    private var window: SlidingStatistics      // the last `smoothing` raw scores
    private var smoothedHistory: SlidingStatistics
    private var rawHistory: SlidingStatistics  // recent raw scores, for onset/offset
    // Scores outside runs only: the noise levels must not learn from the expressions.
    private var quietSmoothed: SlidingStatistics
    private var quietRaw: SlidingStatistics
    /// Each region's quiet level, to equalise the regions before they are combined.
    private var regionNoise: RegionNoise
    private var rawNoise = (median: 0.0, sigma: 0.0)
    private var smoothedNoise = (median: 0.0, sigma: 0.0)
    private var frames = 0
    private var lastFrame = -1

    private struct Run {
        var start: Int
        /// The last still frame before the motion, found when the run starts.
        var onset: Int
        var peakFrame: Int
        var peak: Double
        var threshold: Double
        var lowThreshold: Double
        var below = 0
        var lastAbove: Int
        /// Displacement from the onset face: its peak (the apex) and the first frame of
        /// the current stretch back near neutral.
        var displacementPeak = 0.0
        var displacementApex: Int?
        var backSince: Int?
        /// The first frame of the current stretch without expression-speed motion, and the
        /// displacement then.
        var stillSince: Int?
        var stillDisplacement = 0.0
        /// The face's displacement and the run's excursion when it last came to rest
        /// (still for `lookAhead`) away from the reference, and the frame motion resumed.
        var restDisplacement: Double?
        var restExcursion = 0.0
        var resumedAt: Int?
        /// Every displacement given, for the onset, apex and offset at the end.
        var profile = DisplacementProfile()
        var head = 0.0
        /// Speech was recognised while the run was open, and the largest per-frame score
        /// of the face above the lower face: a run that speech opened before it was
        /// recognised moved only the lower face, and is dropped.
        var speech = false
        var upperPeak = 0.0
        /// The largest per-frame score of the face inside its border (`border` left out):
        /// a run whose motion stayed on the crop's edges is the outline, not the face.
        var innerPeak = 0.0
    }
    private var run: Run?
    /// False after a run ends until the average falls below the threshold again: the
    /// lagging average of the event just reported must not start another. False at the
    /// start too, so that motion already under way when the track begins is not an event.
    private var armed = false

    /// The region indices of the lower face, which speech moves (`FaceGrid.lowerFace`).
    public let lowerFace: [Int]
    private var speech: SpeechDetector

    /// An expression just ended, and for one of the lower face alone the frame until
    /// which it waits for speech (`settings.speechCheck` from the run's start).
    private struct Found {
        var interval: SpottedInterval
        var speechCheckUntil: Int?
    }

    /// An expression of the lower face alone, held back until `until` in case speech is
    /// recognised by then (`speechCheck` after its run began): the first syllable of a
    /// burst moves the jaw and lips down and back as a mouth expression does, and only
    /// the syllables after it tell speech apart. It is dropped if speech is recognised
    /// from sign changes after its offset while it waits, else reported at `until` (or
    /// when new motion opens a run).
    private struct Pending {
        var interval: SpottedInterval
        var until: Int
    }
    private var pending: Pending?
    /// A run wanted to open while an expression was held back: it is reported now, and
    /// the run opens on the next frame.
    private var releasePending = false

    /// The regions along the crop's edges (`FaceGrid.border`), which the face's outline
    /// and what lies beyond it cross when the head sways: they do not show that the face
    /// above the lower face moved, and a run that moved nothing else is no expression.
    public let border: [Int]

    public init(fps: Double, gap: Int, settings: SpotterSettings = SpotterSettings(), lowerFace: [Int] = [], border: [Int] = []) {
        self.settings = settings
        self.lowerFace = lowerFace
        self.border = border
        speech = SpeechDetector(fps: fps, settings: settings)
        self.fps = fps
        self.gap = max(1, gap)
        smoothingFrames = max(1, Int((settings.smoothing * fps).rounded()))
        lookAheadFrames = max(1, Int((settings.lookAhead * fps).rounded()))
        warmUpFrames = Int((settings.warmUp * fps).rounded())
        marginFrames = Int((settings.searchMargin * fps).rounded())
        preRollFrames = Int((settings.onsetPreRoll * fps).rounded())
        maxFillFrames = max(1, Int((0.1 * fps).rounded()))
        window = SlidingStatistics(capacity: smoothingFrames)
        smoothedHistory = SlidingStatistics(capacity: max(1, Int((settings.history * fps).rounded())))
        // Long enough to look back over the longest event, the smoothing and the margin.
        let rawSpan = Int(((settings.macroMax + settings.smoothing + settings.lookAhead + 2 * settings.searchMargin + settings.onsetPreRoll) * fps).rounded()) + gap
        rawHistory = SlidingStatistics(capacity: rawSpan)
        quietSmoothed = SlidingStatistics(capacity: smoothedHistory.capacity)
        quietRaw = SlidingStatistics(capacity: smoothedHistory.capacity)
        regionNoise = RegionNoise(capacity: smoothedHistory.capacity, enabled: settings.equaliseRegions)
    }

    /// True while a run above the threshold is open.
    public var isInRun: Bool { run != nil }

    /// While a run is open: the reference frame, a little before the motion began, whose
    /// face the pipeline should compare every following frame with (`push`'s
    /// `displacement`). The onset itself is read from those displacements at the end.
    public var referenceFrame: Int? { run?.onset }

    /// The threshold now (for records and tests).
    public var threshold: Double {
        let noise = max(smoothedNoise.median + settings.noiseK * smoothedNoise.sigma, settings.minimumThreshold)
        // p = 0 leaves the history's mean out too: over a face that moves often it is
        // the expressions' level, not the noise's.
        guard settings.p > 0 else { return noise }
        let mu = smoothedHistory.mean, top = smoothedHistory.maximum
        return max(mu + settings.p * (top - mu), noise)
    }

    /// The score of one frame's region scores (`MotionSample.regionScores`, regions a
    /// blink covered at 0): their largest after each is scaled to the regions' pooled
    /// noise level (`RegionNoise`), or their plain largest with
    /// `settings.equaliseRegions` off or before the levels are learned.
    public func combinedScore(_ regions: [Double]) -> Double {
        regionNoise.combine(speech.speaking ? masked(regions) : regions)
    }

    /// Whether the face is talking now (the lower face is then not scored).
    public var isSpeaking: Bool { speech.speaking }
    /// The speech detector's dead band now (for traces).
    public var speechLevel: Double { speech.level }

    /// `regions` with the lower face at 0.
    private func masked(_ regions: [Double]) -> [Double] { zeroing(regions, lowerFace) }

    /// `regions` with the cells of `groups` at 0.
    private func zeroing(_ regions: [Double], _ groups: [Int]...) -> [Double] {
        var out = regions
        for group in groups {
            for i in group where i < out.count { out[i] = 0 }
        }
        return out
    }

    /// One frame's contribution to a run's `upperPeak` (the lower face and the border
    /// left out: what says that the face above the lower face moved) and `innerPeak`
    /// (the border left out, and the lower face while the face talks: the face inside
    /// its outline).
    private func runPeaks(_ regions: [Double]) -> (upper: Double, inner: Double) {
        let upper = regionNoise.combine(zeroing(regions, lowerFace, border))
        return (upper, speech.speaking ? upper : regionNoise.combine(zeroing(regions, border)))
    }

    /// Feeds frame `frame`'s region scores: the score is `combinedScore(regions)`, the
    /// displacement (region scores between the reference face and this one) is combined
    /// the same way, and quiet frames teach the regions' levels.
    ///
    /// `mouthMotion` (`MotionSample.mouthMotion`) feeds the speech detector: while the
    /// face talks, the lower face neither scores nor teaches its noise level.
    public mutating func push(frame: Int, regions: [Double], headMotion head: Double = 0, mouthMotion: Double? = nil,
                              displacement: [Double]? = nil) -> SpottedInterval? {
        if let mouth = mouthMotion, settings.detectSpeech, !lowerFace.isEmpty {
            speech.push(frame: frame, mouth: mouth, learn: run == nil)
        }
        if var current = run {
            if speech.speaking { current.speech = true }
            let peaks = runPeaks(regions)
            current.upperPeak = max(current.upperPeak, peaks.upper)
            current.innerPeak = max(current.innerPeak, peaks.inner)
            run = current
        }
        return push(frame: frame, score: combinedScore(regions), headMotion: head, displacement: displacement.map(combinedScore),
                    regions: regions)
    }

    /// Feeds frame `frame`'s score; returns an expression when one has just ended.
    ///
    /// `displacement` is the motion score between the `referenceFrame` face and this
    /// frame's, when a run is open and the pipeline has it: how far the face is from
    /// where it started. With it, the apex is the frame furthest from the onset and the
    /// offset the first frame back near the onset (an expression held at its apex stays
    /// one event); without it, the run's end and the raw scores decide.
    public mutating func push(frame: Int, score: Double, headMotion head: Double = 0, displacement: Double? = nil) -> SpottedInterval? {
        push(frame: frame, score: score, headMotion: head, displacement: displacement, regions: nil)
    }

    private mutating func push(frame: Int, score: Double, headMotion head: Double, displacement: Double?, regions: [Double]?) -> SpottedInterval? {
        if lastFrame >= 0 && frame != lastFrame + 1 {
            let missing = frame - lastFrame - 1
            if missing > 0 && missing <= maxFillFrames, let last = rawHistory.recent(0) {
                // A face the detector missed for a moment: carry its last score over the
                // gap rather than lose the history and an expression under way.
                for f in (lastFrame + 1)..<frame { _ = step(frame: f, score: last, headMotion: 0, displacement: nil, regions: nil) }
            } else {
                reset()   // a real gap in the track: start over
            }
        }
        return step(frame: frame, score: score, headMotion: head, displacement: displacement, regions: regions)
    }

    private mutating func step(frame: Int, score: Double, headMotion head: Double, displacement: Double?, regions: [Double]?) -> SpottedInterval? {
        if let found = advance(frame: frame, score: score, headMotion: head, displacement: displacement, regions: regions) {
            return hold(found, frame: frame)
        }
        guard let held = pending else { return nil }
        // Speech after the expression, on sign changes of its own: the expression's own
        // down-and-back, with the noise around it, can make up a window's count.
        if speech.speaking && speech.flips(after: held.interval.offset) >= settings.speechFlips {
            pending = nil
            return nil
        }
        guard releasePending || frame >= held.until else { return nil }
        pending = nil
        releasePending = false
        var interval = held.interval
        interval.decidedAt = frame
        return interval
    }

    /// `found`, or nil while it is held back for speech (`Pending`).
    private mutating func hold(_ found: Found, frame: Int) -> SpottedInterval? {
        guard let until = found.speechCheckUntil, frame < until, !found.interval.speech else { return found.interval }
        pending = Pending(interval: found.interval, until: until)
        return nil
    }

    private mutating func advance(frame: Int, score: Double, headMotion head: Double, displacement: Double?, regions: [Double]?) -> Found? {
        lastFrame = frame
        frames += 1
        rawHistory.push(score)
        // The average takes the median of the last three scores: the score at t spans
        // `gap` frames of motion, so a face that moves raises `gap` scores in a row,
        // while a spike on one frame (a coding artefact, a detector step) is noise.
        window.push(gap >= 3 ? Self.medianOfLast3(rawHistory) : score)
        let smoothed = window.mean
        // The noise levels learn from quiet frames only: not during a run, nor in the
        // tail of one (until the average is back under the threshold).
        let warmingUp = quietRaw.count < warmUpFrames
        if run == nil && (armed || warmingUp) {
            quietSmoothed.push(smoothed)
            quietRaw.push(score)
            if let regions { regionNoise.learn(regions, skipping: speech.speaking ? lowerFace : []) }
        }
        // The noise levels move slowly: refresh them twice a second, not every frame.
        if frames % max(1, Int(fps / 2)) == 0 || quietRaw.count == warmUpFrames {
            smoothedNoise = quietSmoothed.medianAndSigma()
            rawNoise = quietRaw.medianAndSigma()
            regionNoise.refresh()
        }
        let t = threshold
        smoothedHistory.push(smoothed)
        // Decide only with a noise level learned and the average filled.
        guard !warmingUp && frames > smoothingFrames else { return nil }

        if var current = run {
            current.head = max(current.head, head)
            if smoothed > current.peak { current.peak = smoothed; current.peakFrame = frame }
            if let d = displacement {
                run = current
                return followDisplacement(d, score: score, smoothed: smoothed, frame: frame)
            }
            // Hysteresis: once started, a run lasts while the average stays above the
            // lower level, which bridges the slow moment at an expression's apex.
            if smoothed >= current.lowThreshold {
                current.below = 0
                current.lastAbove = frame
                run = current
                return nil
            }
            current.below += 1
            run = current
            guard current.below >= lookAheadFrames else { return nil }
            run = nil
            return finish(current, at: frame)
        }
        if !armed {
            if smoothed < t { armed = true }
            return nil
        }
        if smoothed >= t && smoothed > 0 {
            // One event at a time: the held-back one is reported first.
            if pending != nil {
                releasePending = true
                return nil
            }
            armed = false
            let low = smoothedNoise.median + settings.hysteresis * (t - smoothedNoise.median)
            let peaks = regions.map(runPeaks) ?? (upper: smoothed, inner: smoothed)
            run = Run(start: frame, onset: max(0, searchOnset(before: frame) - preRollFrames), peakFrame: frame, peak: smoothed, threshold: t,
                      lowThreshold: low, lastAbove: frame, head: head, speech: speech.speaking,
                      upperPeak: peaks.upper, innerPeak: peaks.inner)
        }
        return nil
    }

    static func medianOfLast3(_ history: SlidingStatistics) -> Double {
        guard let a = history.recent(0) else { return 0 }
        guard let b = history.recent(1), let c = history.recent(2) else { return a }
        return max(min(a, b), min(max(a, b), c))
    }

    /// Gives a run that has just opened the displacements of the frames between its
    /// onset and now, which passed before the run was recognised (the pipeline still
    /// has their crops). Without them a short expression's apex would be missed.
    public mutating func backfill(_ displacements: [(frame: Int, displacement: Double)]) {
        guard var current = run else { return }
        for (frame, d) in displacements {
            current.profile.append(frame: frame, displacement: d)
            if d > current.displacementPeak {
                current.displacementPeak = d
                current.displacementApex = frame
            }
        }
        run = current
    }

    /// The open run given this frame's distance from the onset face.
    private mutating func followDisplacement(_ d: Double, score: Double, smoothed: Double, frame: Int) -> Found? {
        guard var current = run else { return nil }
        defer { if run != nil { run = current } }
        current.profile.append(frame: frame, displacement: d)
        if d > current.displacementPeak {
            current.displacementPeak = d
            current.displacementApex = frame
        }
        // A run whose face never moved away from its onset face was noise.
        if current.displacementPeak < settings.minimumDisplacement && frame - current.start >= smoothingFrames + lookAheadFrames {
            run = nil
            return nil
        }
        let longest = Int(((settings.macroMax + settings.searchMargin) * fps).rounded())
        // Back near the onset face (for `lookAhead` in a row, below). The displacement
        // says where the face is now; the score, which spans the last `gap` frames, would
        // still show the return for a fifth of a second after the face is back, and
        // waiting for it to fall delayed every event and let the next motion (a blink,
        // another expression) join the run.
        let back = current.profile.hasReturned(d, fraction: settings.returnFraction)
        if back {
            current.backSince = current.backSince ?? frame
        } else {
            current.backSince = nil
        }
        let settled = current.backSince.map { frame - $0 + 1 >= lookAheadFrames } ?? false
        // Still for `settleLimit` without coming back: the face has come to rest away
        // from the reference, which drifted, or was not neutral (a run opened part-way
        // into a slow expression). The run ends now rather than at `macroMax`, where it
        // would swallow the expressions that follow: an expression if the face had come
        // back after the apex before it drifted, else movement. Still means the average
        // under the run's threshold T and the face not on its way back (the displacement
        // not a quarter of the excursion below where the stretch began): a slow return
        // is motion, a slow drift away is not. T, not the run's lower level: compression
        // noise at key frames rises above the lower level and would keep restarting the
        // stretch (docs/decisions/2026-11-25-spotter-stillness.md).
        let excursion = current.displacementPeak - current.profile.floorBeforePeak
        if smoothed < current.threshold {
            if current.stillSince == nil || d < current.stillDisplacement - 0.25 * excursion {
                current.stillSince = frame
                current.stillDisplacement = d
            }
        } else {
            current.stillSince = nil
        }
        let settledAway = current.stillSince.map { Double(frame - $0 + 1) >= settings.settleLimit * fps } ?? false
        // Moving on: after a rest away from the reference, motion resumed and takes the
        // face further away, not back. That is a new expression on top of a face that
        // had not come back (a drift, a compression step at a key frame, a held
        // expression): this run ends where the motion resumed, and the new motion gets
        // a run of its own with a reference face from just before it.
        if let since = current.stillSince, frame - since + 1 == lookAheadFrames {
            // The level the rest began at: the displacement jumps at once with a step and
            // runs ahead of the speed at a new expression's onset, so later values in the
            // stretch would hide both.
            current.restDisplacement = d
            current.restExcursion = excursion
            current.resumedAt = nil
        } else if current.stillSince == nil, current.restDisplacement != nil, current.resumedAt == nil {
            current.resumedAt = frame
        }
        if let rest = current.restDisplacement, let resumed = current.resumedAt,
           d > rest + max(settings.minimumDisplacement, 0.5 * current.restExcursion) {
            run = nil
            armed = true
            var before = current
            before.profile = current.profile.truncated(before: resumed)
            return ended(before, at: resumed, settled: false, decidedAt: frame)
        }
        guard settled || settledAway || frame - current.onset > longest else { return nil }
        run = nil
        return ended(current, at: frame, settled: settled, decidedAt: frame)
    }

    /// The expression (or movement) of a run that ends at `frame`.
    private func ended(_ current: Run, at frame: Int, settled: Bool, decidedAt: Int) -> Found? {
        guard current.displacementApex != nil, current.displacementPeak > 0,
              let bounds = current.profile.boundaries(reference: current.onset, fraction: settings.boundaryFraction) else { return nil }
        let cameBack = !settled && bounds.offset.flatMap { offset in
            current.profile.value(at: offset).map { current.profile.hasReturned($0, fraction: settings.returnFraction) }
        } == true
        let tooLong = !settled && !cameBack
        // Without a frame back within the level, the first still frame back near the
        // reference face: the stillness test reads frame t's score, which covers motion
        // up to gap - 1 frames before t.
        let offset = tooLong ? frame : bounds.offset ?? max(bounds.apex + 1, (current.backSince ?? frame) - gap + 1)
        return interval(onset: bounds.onset, apex: bounds.apex, offset: offset, run: current, decidedAt: decidedAt,
                        forceMovement: tooLong)
    }

    /// Walks back from `frame` over the raw scores that still show motion: the onset is
    /// the last still frame before them (bounded by the smoothing span and the margin).
    private func searchOnset(before frame: Int) -> Int {
        let rawLevel = rawNoise.median + settings.rawK * rawNoise.sigma
        // The average reaches T up to the score's span and the smoothing after the motion starts.
        let limit = smoothingFrames + gap + marginFrames
        var first = frame
        // Still for 0.07 s (2 frames at 30 fps, 14 at 200): before the motion. Shorter
        // dips are noise within a slow start.
        let stillLimit = max(2, Int((0.07 * fps).rounded()))
        var still = 0
        var f = frame
        while frame - f < limit, let value = rawHistory.recent(frame - f) {
            if value > rawLevel { first = f; still = 0 } else {
                still += 1
                if still > stillLimit { break }
            }
            f -= 1
        }
        return max(0, first - 1)
    }

    private func interval(onset: Int, apex: Int, offset: Int, run: Run, decidedAt: Int, forceMovement: Bool = false) -> Found? {
        let duration = Double(offset - onset + 1) / fps
        let kind: SpottedInterval.Kind
        if forceMovement || duration < settings.minDuration || duration > settings.macroMax || run.peak > settings.maximumScore {
            kind = .movement
        } else {
            kind = duration <= settings.microMax ? .micro : .macro
        }
        if kind == .movement && !settings.reportMovement { return nil }
        // Speech opened the run before it was recognised: only the lower face moved.
        // Only the crop's edges moved: the outline against the background (a sway, a
        // turn), not the face.
        if !border.isEmpty && run.innerPeak < run.threshold { return nil }
        let lowerOnly = !lowerFace.isEmpty && run.upperPeak < run.threshold
        if run.speech && lowerOnly { return nil }
        let interval = SpottedInterval(onset: onset, apex: min(offset, max(onset, apex)), offset: offset, kind: kind,
                                       peakScore: run.peak, threshold: run.threshold, decidedAt: decidedAt,
                                       headMotion: run.head > settings.headMotionLimit, speech: run.speech)
        let check = lowerOnly && settings.detectSpeech ? run.start + Int((settings.speechCheck * fps).rounded()) : nil
        return Found(interval: interval, speechCheckUntil: check)
    }

    /// Ends a run in progress (end of stream, shutdown).
    public mutating func flush() -> SpottedInterval? {
        // A run cannot open while an expression is held back, so there is at most one.
        if let held = pending {
            pending = nil
            var interval = held.interval
            interval.decidedAt = lastFrame
            return interval
        }
        guard let current = run else { return nil }
        run = nil
        return finish(current, at: lastFrame)?.interval
    }

    /// Starts the signal over after a gap in the track. The noise levels and the
    /// threshold's history are kept: they belong to the face and the camera, not to one
    /// stretch of track, and relearning them after every detector miss would learn them
    /// from whatever motion the face resumed with.
    public mutating func reset() {
        window = SlidingStatistics(capacity: window.capacity)
        rawHistory = SlidingStatistics(capacity: rawHistory.capacity)
        armed = false
        run = nil
        frames = 0
        speech.reset()
    }

    /// Ends a run from the raw scores alone (no displacement was given).
    private func finish(_ run: Run, at frame: Int) -> Found? {
        if run.displacementApex != nil, let bounds = run.profile.boundaries(reference: run.onset, fraction: settings.boundaryFraction) {
            return interval(onset: bounds.onset, apex: bounds.apex, offset: bounds.offset ?? run.backSince ?? frame, run: run, decidedAt: frame)
        }
        // The raw scores from the run's start minus the smoothing span and a margin, to now.
        let first = max(frame - rawHistory.count + 1, run.start - smoothingFrames - marginFrames)
        let rawLevel = rawNoise.median + settings.rawK * rawNoise.sigma
        var firstMoving: Int?, lastMoving: Int?
        for f in first...frame {
            guard let value = rawHistory.recent(frame - f) else { continue }
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
        // The smoothed peak lags the middle of the motion by half the smoothing window,
        // and by one frame more behind the median of three.
        let lag = smoothingFrames / 2 + (gap >= 3 ? 1 : 0)
        return interval(onset: onset, apex: run.peakFrame - lag, offset: offset, run: run, decidedAt: frame)
    }
}
