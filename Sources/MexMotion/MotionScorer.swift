import MexCore
import MexVision

/// The motion of one face between frames t-g and t.
public struct MotionSample: Sendable, Equatable {
    /// The largest of `countedScores` (pixels of motion of the 128 px crop over the g
    /// frames), before any equalisation. The spotter does not read it: it takes
    /// `countedScores` and combines them itself (`ApexSpotter.combinedScore`).
    public var score: Double
    /// Per region of `FaceRegion.scored`, in order: its largest windowed mean flow.
    public var regionScores: [Double]
    /// The head's own motion, in pixels: the median flow of the crop outside the eye
    /// band (expressions move only parts of the face, so the median is the head's).
    public var headMotion: Double
    /// That motion's components, in crop pixels over the g frames (x right, y down).
    public var headShiftX = 0.0
    public var headShiftY = 0.0
    /// The eyes moved much more than the brows: a blink. The regions next to the eyes
    /// (brows, nose) are then left out of `countedScores`, and so of `score`.
    public var blink: Bool

    /// The region scores that count towards `score`: those a blink covered are 0.
    public var countedScores: [Double] {
        blink ? regionScores.enumerated().map { FaceRegion.nearEyes.contains($0.offset) ? 0 : $0.element } : regionScores
    }
}

/// Scores facial motion per frame (docs/ARCHITECTURE.md section 3.3): DIS flow between
/// the face crops of frames t-g and t, both cut with frame t's box so that box jitter is
/// not motion, the head's translation (median flow outside the eyes) removed, the eyes
/// left out, and per region the largest mean flow vector over a 12 px window. A
/// window's mean keeps an action unit's coherent motion and averages the flow's noise
/// away, where a mean of the largest magnitudes would keep the noise's largest values
/// (docs/decisions/2026-11-25-motion-score.md).
///
/// Not thread-safe: one per source pipeline.
public final class MotionScorer {
    public static let cropSide = 128
    /// A region's score is the largest mean flow over a window this many crop pixels
    /// square (about the core of one action unit's motion), slid by `windowStride`.
    public static let windowSide = 12
    public static let windowStride = 2
    /// Eye motion above this multiple of the brows' marks a blink.
    public static let blinkRatio = 1.5

    private let flow: DenseOpticalFlow
    private var field = FlowField(width: MotionScorer.cropSide, height: MotionScorer.cropSide)
    private var integralU: [Double] = []
    private var integralV: [Double] = []

    /// The flow the pipeline scores with: DIS fast at its own finest pyramid level
    /// (2: 32x32 for the 128 px crop). A finer level resolves faint motion better but
    /// also raises the still face's score, and the spotter's absolute settings
    /// (`minimumThreshold`, `minimumDisplacement`) are set for this level's scale
    /// (docs/decisions/2026-11-25-motion-score.md).
    public static let defaultFlow = DenseOpticalFlow.Method.dis(.fast)

    public init(flow method: DenseOpticalFlow.Method = MotionScorer.defaultFlow) throws(VisionError) {
        flow = try DenseOpticalFlow(method)
    }

    /// The crop the score compares: `box` of `image` shrunk to 128x128 by area
    /// averaging. Not the classifier's bilinear crop (Training's `crop_face`): area
    /// averaging also averages the sensor noise the bilinear one aliases, which raises
    /// the expressions' score over the still face's
    /// (docs/decisions/2026-11-25-motion-score.md).
    public static func crop(_ image: GrayImage, box: FaceBox) throws(VisionError) -> GrayImage {
        try image.resample(box, width: cropSide, height: cropSide, interpolation: .area)
    }

    /// `earlier` and `current` are the two frames' 128x128 crops under one box.
    public func score(earlier: GrayImage, current: GrayImage) throws(VisionError) -> MotionSample {
        try flow.compute(from: earlier, to: current, into: &field)
        let side = Self.cropSide
        let (mu, mv) = headFlow(side)
        integrate(side: side, mu: mu, mv: mv)
        var regionScores: [Double] = []
        regionScores.reserveCapacity(FaceRegion.scored.count)
        for region in FaceRegion.scored {
            regionScores.append(regionScore(region, side: side))
        }
        let eyes = regionScore(FaceRegion.eyes, side: side)
        let brows = FaceRegion.brows.map { regionScores[$0] }.max() ?? 0
        let blink = eyes > Self.blinkRatio * brows && eyes > 0.3
        var sample = MotionSample(score: 0, regionScores: regionScores, headMotion: Double((mu * mu + mv * mv).squareRoot()),
                                  headShiftX: Double(mu), headShiftY: Double(mv), blink: blink)
        sample.score = sample.countedScores.max() ?? 0
        return sample
    }

    /// The largest local motion in a region, head motion removed: the length of the
    /// mean flow vector over a `windowSide` square, the window slid over the region.
    private func regionScore(_ region: FaceRegion, side: Int) -> Double {
        let r = region.pixels(side)
        let w = min(Self.windowSide, r.x1 - r.x0, r.y1 - r.y0)
        guard w > 0 else { return 0 }
        let stride = Self.windowStride, row = side + 1
        let area = Double(w * w)
        var best = 0.0
        integralU.withUnsafeBufferPointer { iu in
            integralV.withUnsafeBufferPointer { iv in
                var y = r.y0
                while y + w <= r.y1 {
                    var x = r.x0
                    while x + w <= r.x1 {
                        let a = y * row + x, b = a + w, c = (y + w) * row + x, d = c + w
                        let su = iu[d] - iu[b] - iu[c] + iu[a]
                        let sv = iv[d] - iv[b] - iv[c] + iv[a]
                        best = max(best, (su * su + sv * sv) / (area * area))
                        x += stride
                    }
                    y += stride
                }
            }
        }
        return best.squareRoot()
    }

    /// Summed-area tables of the flow with the head's motion taken out, so that every
    /// window's mean vector costs four lookups.
    private func integrate(side: Int, mu: Float, mv: Float) {
        let row = side + 1
        if integralU.count != row * row {
            integralU = [Double](repeating: 0, count: row * row)
            integralV = integralU
        }
        field.values.withUnsafeBufferPointer { values in
            integralU.withUnsafeMutableBufferPointer { iu in
                integralV.withUnsafeMutableBufferPointer { iv in
                    for y in 0..<side {
                        var rowU = 0.0, rowV = 0.0
                        for x in 0..<side {
                            let i = 2 * (y * side + x)
                            rowU += Double(values[i] - mu)
                            rowV += Double(values[i + 1] - mv)
                            let o = (y + 1) * row + x + 1
                            iu[o] = iu[o - row] + rowU
                            iv[o] = iv[o - row] + rowV
                        }
                    }
                }
            }
        }
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

    /// Reorders `values` so that its `count` largest come first, the `count`-th largest
    /// at `count - 1` (nth_element's selection, descending): linear on average rather
    /// than a full sort's n log n, for a median taken on every scored frame (a sort
    /// shows in a scan's profile: bench/scan/RESULTS.md).
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
