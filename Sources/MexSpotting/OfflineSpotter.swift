/// The offline counterpart of `ApexSpotter`, for measuring the price of causality: it
/// sees the whole video's scores at once, smooths them with a centred window and
/// thresholds with the whole video's mean and maximum (the MEGC baseline's
/// T = mu + p (M - mu)), then finds runs, onsets and offsets the same way. Not used
/// by mexd at run time.
///
/// Given `displacement(reference, frame)` (the motion score between two frames' faces,
/// as the pipeline gives the causal spotter), it follows each run as the causal spotter
/// does: the displacement from a reference `onsetPreRoll` before the first moving frame,
/// until the face is still and back (`returnFraction`) for `lookAhead`; onset, apex and
/// offset from that profile; runs that move less than `minimumDisplacement` dropped.
/// Without it, onset and offset come from the raw scores.
public enum OfflineSpotter {
    /// Spots from per-frame region scores (`MotionSample.countedScores`), equalised as
    /// the causal spotter does (`RegionNoise`) but with the whole video's levels, and
    /// from the region scores of the displacement.
    public static func spot(regionScores: [[Double]], fps: Double, gap: Int, settings: SpotterSettings = SpotterSettings(),
                            displacement: ((_ reference: Int, _ frame: Int) -> [Double]?)? = nil) -> [SpottedInterval] {
        var noise = RegionNoise(capacity: regionScores.count, enabled: settings.equaliseRegions)
        for regions in regionScores where !regions.isEmpty { noise.learn(regions) }
        noise.refresh()
        let combine = { (regions: [Double]) in noise.combine(regions) }
        return spot(scores: regionScores.map(combine), fps: fps, gap: gap, settings: settings,
                    displacement: displacement.map { d in { d($0, $1).map(combine) } })
    }

    public static func spot(scores: [Double], fps: Double, gap: Int, settings: SpotterSettings = SpotterSettings(),
                            displacement: ((_ reference: Int, _ frame: Int) -> Double?)? = nil) -> [SpottedInterval] {
        guard !scores.isEmpty else { return [] }
        let half = max(0, Int((settings.smoothing * fps).rounded()) / 2)
        var prefix = [0.0]
        for s in scores { prefix.append(prefix.last! + s) }
        let smoothed = scores.indices.map { i -> Double in
            let a = max(0, i - half), b = min(scores.count - 1, i + half)
            return (prefix[b + 1] - prefix[a]) / Double(b - a + 1)
        }
        let mean = smoothed.reduce(0, +) / Double(smoothed.count)
        let top = smoothed.max()!
        let (median, sigma) = robust(smoothed)
        let noise = max(median + settings.noiseK * sigma, settings.minimumThreshold)
        let threshold = settings.p > 0 ? max(mean + settings.p * (top - mean), noise) : noise
        let low = median + settings.hysteresis * (threshold - median)
        let (rawMedian, rawSigma) = robust(scores)
        let rawLevel = rawMedian + settings.rawK * rawSigma
        let margin = Int((settings.searchMargin * fps).rounded())

        var result: [SpottedInterval] = []
        var i = 0
        while i < smoothed.count {
            guard smoothed[i] >= threshold else { i += 1; continue }
            // Extend the run both ways while above the lower level (hysteresis).
            var start = i
            while start > 0 && smoothed[start - 1] >= low { start -= 1 }
            var end = i
            while end + 1 < smoothed.count && smoothed[end + 1] >= low { end += 1 }
            let peak = (start...end).max { smoothed[$0] < smoothed[$1] }!
            let from = max(0, start - margin), to = min(scores.count - 1, end + margin)
            let moving = (from...to).filter { scores[$0] > rawLevel }
            if let first = moving.first, let last = moving.last {
                var onset = max(0, first - 1)
                var offset = max(onset, last - gap + 1)
                var apex = peak
                var tooLong = false
                if let displacement {
                    let reference = max(0, onset - Int((settings.onsetPreRoll * fps).rounded()))
                    let longest = Int(((settings.macroMax + settings.searchMargin) * fps).rounded())
                    let lookAhead = max(1, Int((settings.lookAhead * fps).rounded()))
                    var profile = DisplacementProfile()
                    var backSince: Int?, stillSince: Int?
                    var f = reference + 1
                    // Up to the frame where the average reached T, as the causal spotter's
                    // backfill; then frame by frame until the face is back and still.
                    while f < scores.count {
                        defer { f += 1 }
                        guard let d = displacement(reference, f) else { continue }
                        profile.append(frame: f, displacement: d)
                        guard f > i else { continue }
                        if profile.hasReturned(d, fraction: settings.returnFraction) && scores[f] <= rawLevel {
                            backSince = backSince ?? f
                        } else {
                            backSince = nil
                        }
                        if let back = backSince, f - back + 1 >= lookAhead { break }
                        stillSince = smoothed[f] < low ? stillSince ?? f : nil
                        let settledAway = stillSince.map { Double(f - $0 + 1) >= settings.settleLimit * fps } ?? false
                        if f - reference > longest || settledAway { tooLong = true; break }
                    }
                    end = max(end, min(f, scores.count - 1))
                    guard let top = profile.peak, top.value >= settings.minimumDisplacement,
                          let bounds = profile.boundaries(reference: reference, fraction: settings.boundaryFraction) else {
                        i = end + 1
                        continue
                    }
                    // Settled away from the reference after coming back: an expression.
                    if tooLong, let back = bounds.offset, let d = profile.value(at: back),
                       profile.hasReturned(d, fraction: settings.returnFraction) {
                        tooLong = false
                    }
                    onset = bounds.onset
                    apex = bounds.apex
                    offset = tooLong ? end : bounds.offset ?? backSince.map { max(bounds.apex + 1, $0 - gap + 1) } ?? offset
                }
                let duration = Double(offset - onset + 1) / fps
                let kind: SpottedInterval.Kind = tooLong || duration < settings.minDuration || duration > settings.macroMax
                    ? .movement : (duration <= settings.microMax ? .micro : .macro)
                if kind != .movement || settings.reportMovement {
                    result.append(SpottedInterval(onset: onset, apex: apex, offset: offset, kind: kind, peakScore: smoothed[peak],
                                                  threshold: threshold, decidedAt: scores.count - 1, headMotion: false))
                }
            }
            // As the causal spotter re-arms: not before the average is back under T.
            i = end + 1
            while i < smoothed.count && smoothed[i] >= threshold { i += 1 }
        }
        return result
    }

    static func robust(_ values: [Double]) -> (Double, Double) {
        let sorted = values.sorted()
        let median = sorted[sorted.count / 2]
        let deviations = sorted.map { abs($0 - median) }.sorted()
        return (median, 1.4826 * deviations[deviations.count / 2])
    }
}
