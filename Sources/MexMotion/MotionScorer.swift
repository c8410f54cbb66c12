import MexCore
import MexVision

/// The motion of one face between frames t-g and t.
public struct MotionSample: Sendable, Equatable {
    /// The spotter's input: the largest regional score (pixels of motion per g frames).
    public var score: Double
    /// Per region of `FaceRegion.scored`, in order: mean of the top 30% magnitudes.
    public var regionScores: [Double]
    /// The head's own motion, in pixels: the median flow of the crop outside the eye
    /// band (expressions move only parts of the face, so the median is the head's).
    public var headMotion: Double
    /// That motion's components, in crop pixels over the g frames (x right, y down).
    public var headShiftX = 0.0
    public var headShiftY = 0.0
    /// The eyes moved much more than the brows: a blink. The regions next to the eyes
    /// (brows, nose) are then left out of `score`.
    public var blink: Bool
}

/// Scores facial motion per frame (DESIGN.md section 1): DIS flow between the face
/// crops of frames t-g and t, both cut with frame t's box so that box jitter is not
/// motion, the head's translation (median flow outside the eyes) removed, the eyes left out, and
/// per region the mean of the top 30% of flow magnitudes.
///
/// Not thread-safe: one per source pipeline.
public final class MotionScorer {
    public static let cropSide = 128
    /// The share of each region's largest magnitudes that makes its score.
    public static let topFraction = 0.3
    /// Eye motion above this multiple of the brows' marks a blink.
    public static let blinkRatio = 1.5

    private let flow: DenseOpticalFlow
    private var field = FlowField(width: MotionScorer.cropSide, height: MotionScorer.cropSide)
    private var magnitudes: [Float] = []

    public init(preset: DenseOpticalFlow.Preset = .ultrafast) throws(VisionError) {
        // Ultrafast: 0.16 ms per 128x128 pair here (bench/face-flow), and its coarse
        // patches suit the few-pixel motions of a face well enough for a score.
        flow = try DenseOpticalFlow(.dis(preset))
    }

    /// `earlier` and `current` are the two frames' 128x128 crops under one box.
    public func score(earlier: GrayImage, current: GrayImage) throws(VisionError) -> MotionSample {
        try flow.compute(from: earlier, to: current, into: &field)
        let side = Self.cropSide
        let (mu, mv) = headFlow(side)
        var regionScores: [Double] = []
        regionScores.reserveCapacity(FaceRegion.scored.count)
        for region in FaceRegion.scored {
            regionScores.append(regionScore(region, side: side, mu: mu, mv: mv))
        }
        let eyes = regionScore(FaceRegion.eyes, side: side, mu: mu, mv: mv)
        let brows = FaceRegion.brows.map { regionScores[$0] }.max() ?? 0
        let blink = eyes > Self.blinkRatio * brows && eyes > 0.3
        let counted = blink ? regionScores.enumerated().filter { !FaceRegion.nearEyes.contains($0.offset) }.map(\.element) : regionScores
        return MotionSample(score: counted.max() ?? 0, regionScores: regionScores,
                            headMotion: Double((mu * mu + mv * mv).squareRoot()), headShiftX: Double(mu), headShiftY: Double(mv), blink: blink)
    }

    /// Mean of the top 30% flow magnitudes in a region, head motion removed.
    private func regionScore(_ region: FaceRegion, side: Int, mu: Float, mv: Float) -> Double {
        let r = region.pixels(side)
        magnitudes.removeAll(keepingCapacity: true)
        field.values.withUnsafeBufferPointer { values in
            for y in r.y0..<r.y1 {
                for x in r.x0..<r.x1 {
                    let i = 2 * (y * side + x)
                    let du = values[i] - mu, dv = values[i + 1] - mv
                    magnitudes.append((du * du + dv * dv).squareRoot())
                }
            }
        }
        return Self.topMean(&magnitudes, fraction: Self.topFraction)
    }

    /// The head's own motion: the median flow over the face outside the eyes, on a
    /// 4-pixel grid. An expression moves a minority of the face, so the median is the
    /// rigid part; the eyes are left out because a blink moves them all at once.
    private func headFlow(_ side: Int) -> (Float, Float) {
        let eyes = FaceRegion.eyes.pixels(side)
        var us: [Float] = [], vs: [Float] = []
        us.reserveCapacity(side * side / 16)
        vs.reserveCapacity(side * side / 16)
        for y in stride(from: 2, to: side, by: 4) where y < eyes.y0 || y >= eyes.y1 {
            for x in stride(from: 2, to: side, by: 4) {
                us.append(field.u(x, y))
                vs.append(field.v(x, y))
            }
        }
        return (Self.median(&us), Self.median(&vs))
    }

    static func median(_ values: inout [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        let k = values.count / 2
        // The k+1 largest first, the (k+1)-th largest at k: the median of an odd count,
        // and for an even one the lower middle, whose partner is the least of the k before.
        partitionLargest(&values, count: k + 1)
        guard values.count % 2 == 0 else { return values[k] }
        return (values[..<k].min()! + values[k]) / 2
    }

    /// Mean of the largest `fraction` of the values (at least one).
    static func topMean(_ values: inout [Float], fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let n = max(1, Int(Double(values.count) * fraction))
        partitionLargest(&values, count: n)
        var sum = 0.0
        for i in 0..<n { sum += Double(values[i]) }
        return sum / Double(n)
    }

    /// Reorders `values` so that its `count` largest come first, the `count`-th largest
    /// at `count - 1` (nth_element's selection, descending): linear on average, where
    /// the full sort it replaces was 7.5% of a scan's CPU (bench/scan).
    static func partitionLargest(_ values: inout [Float], count: Int) {
        guard count > 0, count < values.count else { return }
        let k = count - 1
        values.withUnsafeMutableBufferPointer { v in
            var lo = 0, hi = v.count - 1
            while lo < hi {
                // Median of three as the pivot; Hoare partition, descending.
                let mid = lo + (hi - lo) / 2
                if v[mid] > v[lo] { v.swapAt(mid, lo) }
                if v[hi] > v[lo] { v.swapAt(hi, lo) }
                if v[hi] > v[mid] { v.swapAt(hi, mid) }
                let pivot = v[mid]
                var i = lo, j = hi
                while i <= j {
                    while v[i] > pivot { i += 1 }
                    while v[j] < pivot { j -= 1 }
                    if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
                }
                // [lo, j] >= pivot >= [i, hi], and (j, i) equals the pivot.
                if k <= j { hi = j } else if k >= i { lo = i } else { return }
            }
        }
    }
}
