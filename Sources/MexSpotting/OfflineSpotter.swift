/// The offline counterpart of `ApexSpotter`, for measuring the price of causality: it
/// sees the whole video's scores at once, smooths them with a centred window and
/// thresholds with the whole video's mean and maximum (the MEGC baseline's
/// T = mu + p (M - mu)), then finds runs, onsets and offsets the same way. Not used
/// by mexd at run time.
public enum OfflineSpotter {
    public static func spot(scores: [Double], fps: Double, gap: Int, settings: SpotterSettings = SpotterSettings()) -> [SpottedInterval] {
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
        let threshold = max(mean + settings.p * (top - mean), median + settings.noiseK * sigma, settings.minimumThreshold)
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
                let onset = max(0, first - 1)
                let offset = max(onset, last - gap + 1)
                let duration = Double(offset - onset + 1) / fps
                let kind: SpottedInterval.Kind = duration < settings.minDuration || duration > settings.macroMax
                    ? .movement : (duration <= settings.microMax ? .micro : .macro)
                if kind != .movement || settings.reportMovement {
                    result.append(SpottedInterval(onset: onset, apex: peak, offset: offset, kind: kind, peakScore: smoothed[peak],
                                                  threshold: threshold, decidedAt: scores.count - 1, headMotion: false))
                }
            }
            i = end + 1
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
