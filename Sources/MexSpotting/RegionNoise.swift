/// Equalises the facial regions' noise before their scores are combined.
///
/// The motion score is the largest of the regions' scores, and the regions are not
/// equally noisy: on a still face the textured brows and forehead read 0.05-0.11 px
/// while the smooth mouth corners read 0.02-0.04. Their maximum is set by the noisiest
/// region, so a faint lip-corner pull (AU12, 1.5-2 px at a 180 px face), which lifts its
/// own region five to ten times above that region's floor, would stay under the brows'
/// noise and the threshold. Each region's score is therefore scaled by
/// `pooled / level(region)`, where level is the 90th percentile of its quiet frames
/// (`levelQuantile`) and pooled the median of those levels: every region's noise moves
/// to the pooled one, so the combined score keeps its pixel scale (and the spotter's
/// settings their meaning), while an expression counts by how far it rises over its own
/// region's noise.
///
/// A high percentile rather than the median, because false events come from a region's
/// bursts, not its typical frame: the edge of a face turned three-quarters, or a shaded
/// cheek, is as quiet as the rest most of the time but jumps when the head sways or the
/// light changes. The median rated such a region as quiet as any other, and its bursts
/// crossed the threshold (docs/decisions/2026-12-07-noise-tails.md).
///
/// O(history) scalars per region; the levels learn only from the frames the spotter
/// calls quiet.
struct RegionNoise {
    /// Gains are kept within these bounds, so that a region that is nearly motionless
    /// in one video is not turned into a noise amplifier: a swaying face's box lags the
    /// sway, and a wider bound multiplies a quiet brow region's edge motion into false
    /// events (docs/decisions/2026-12-04-region-gain-bounds.md).
    static let gainRange = 0.5...2.0
    /// The quantile of a region's quiet scores taken as its noise level.
    static let levelQuantile = 0.9

    private var quiet: [SlidingStatistics] = []
    private let capacity: Int
    /// Off (`SpotterSettings.equaliseRegions`), no gains are ever set and `combine` is the
    /// plain largest.
    private let enabled: Bool
    private(set) var gains: [Double] = []

    init(capacity: Int, enabled: Bool = true) {
        self.capacity = max(1, capacity)
        self.enabled = enabled
    }

    /// Learns from a quiet frame's region scores.
    mutating func learn(_ regions: [Double], skipping skipped: [Int] = []) {
        guard enabled else { return }
        if quiet.count != regions.count {
            quiet = regions.map { _ in SlidingStatistics(capacity: capacity) }
            gains = []
        }
        for (i, value) in regions.enumerated() where !skipped.contains(i) { quiet[i].push(value) }
    }

    /// Recomputes the gains from what was learned (the spotter does this with its noise
    /// levels, twice a second).
    mutating func refresh() {
        let levels = quiet.map { $0.quantile(Self.levelQuantile) }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }) else { gains = []; return }
        let pooled = levels.sorted()[levels.count / 2]
        gains = levels.map { min(max(pooled / $0, Self.gainRange.lowerBound), Self.gainRange.upperBound) }
    }

    /// The combined score: the largest region score after equalisation (the plain
    /// largest before any level is learned, or when off).
    func combine(_ regions: [Double]) -> Double {
        guard gains.count == regions.count else { return regions.max() ?? 0 }
        var best = 0.0
        for (i, value) in regions.enumerated() { best = max(best, value * gains[i]) }
        return best
    }
}
