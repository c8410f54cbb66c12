import MexCore
import MexVision

/// The signal speech is recognised from: the vertical motion of the lips and chin,
/// less the head's there, over a short span (`SpotterSettings.speechSpan`, about two
/// frames at 30 fps), signed (down is positive).
///
/// It has its own flow rather than reading the motion score's: over the score's 0.2 s
/// span a syllable at 5 Hz opens and closes the mouth and cancels, so that flow saw
/// about two thirds of speech. The short span sees each opening and each closing, and
/// the flow runs one pyramid level finer (DIS fast stopped at level 1) over the lips
/// and chin only, with a margin for the flow's patches (about a tenth of a frame's
/// CPU). The cut reaches a quarter of the box below the box: the frontal detector's box
/// ends near the lower lip on many faces, and the chin, which the jaw moves most, is
/// under it. The head's motion is the motion score's fit (`HeadMotion`, over the
/// score's span) scaled to the short span: a seated person's sway changes little in
/// 0.2 s. A reference area of the face itself would move with expressions (the band
/// under the nose rises with a nose wrinkle or an upper lip raise, which then read as
/// speech).
/// Measurements: docs/decisions/2026-12-07-speech-signal.md.
///
/// Not thread-safe (its flow keeps buffers): one per source pipeline.
public final class MouthMotion {
    /// The part of the face box cut: lips and chin with a margin (fractions of the box,
    /// y down; y past 1 is below it).
    public static let area = (x0: 0.22, y0: 0.72, x1: 0.78, y1: 1.25)
    /// Lower lip and chin: what the jaw moves.
    public static let lipsAndChin = (x0: 0.32, y0: 0.86, x1: 0.68, y1: 1.15)

    /// The lower face of one frame, at the motion crop's scale (`MotionScorer.cropSide`
    /// pixels per box width), clipped to the image.
    public struct Cut {
        public var image: GrayImage
        /// Box fractions of the cut's first column and row, and its pixels per box width
        /// and per box height.
        var x0: Double
        var y0: Double
        var scaleX: Double
        var scaleY: Double
    }

    private let flow: DenseOpticalFlow
    private var field = FlowField(width: 1, height: 1)

    public init() throws(VisionError) {
        flow = try DenseOpticalFlow(.dis(.fast, finestScale: 1))
    }

    /// `area` of `box` in `image`, or nil when too little of it lies in the image.
    /// Two cuts of frames of one size under one box have the same size.
    public static func cut(_ image: GrayImage, box: FaceBox) throws(VisionError) -> Cut? {
        let a = area
        let wanted = FaceBox(x: box.x + a.x0 * box.width, y: box.y + a.y0 * box.height,
                             width: (a.x1 - a.x0) * box.width, height: (a.y1 - a.y0) * box.height)
        guard box.width > 0, let r = image.clip(wanted) else { return nil }
        let scale = Double(MotionScorer.cropSide) / box.width
        let width = Int((Double(r.width) * scale).rounded()), height = Int((Double(r.height) * scale).rounded())
        guard width >= 16, height >= 16 else { return nil }
        let clipped = FaceBox(x: Double(r.x), y: Double(r.y), width: Double(r.width), height: Double(r.height))
        return Cut(image: try image.resample(clipped, width: width, height: height, interpolation: .area),
                   x0: (Double(r.x) - box.x) / box.width, y0: (Double(r.y) - box.y) / box.height,
                   scaleX: Double(width) / (Double(r.width) / box.width), scaleY: Double(height) / (Double(r.height) / box.height))
    }

    /// The lips' and chin's mean vertical motion from `earlier` to `current` less the
    /// head's there, in crop pixels; 0 when the area lies outside the cuts. `head` is
    /// the head's motion over `headSpan` times the cuts' span, in the 128 px crop's
    /// coordinates (`MotionScorer.score`).
    public func signal(earlier: Cut, current: Cut, head: HeadMotion, headSpan: Double) throws(VisionError) -> Double {
        guard earlier.image.width == current.image.width, earlier.image.height == current.image.height, headSpan > 0 else { return 0 }
        if field.width != current.image.width || field.height != current.image.height {
            field = FlowField(width: current.image.width, height: current.image.height)
        }
        try flow.compute(from: earlier.image, to: current.image, into: &field)
        guard let jaw = meanVertical(Self.lipsAndChin, in: current) else { return 0 }
        let r = Self.lipsAndChin, side = Double(MotionScorer.cropSide)
        let centre = head.flow(x: ((r.x0 + r.x1) / 2 - 0.5) * side, y: ((r.y0 + r.y1) / 2 - 0.5) * side)
        return jaw - centre.v / headSpan
    }

    /// The flow's mean v over a rectangle of box fractions, clipped to the cut.
    private func meanVertical(_ r: (x0: Double, y0: Double, x1: Double, y1: Double), in cut: Cut) -> Double? {
        let w = field.width, h = field.height
        let x0 = max(0, Int(((r.x0 - cut.x0) * cut.scaleX).rounded())), x1 = min(w, Int(((r.x1 - cut.x0) * cut.scaleX).rounded()))
        let y0 = max(0, Int(((r.y0 - cut.y0) * cut.scaleY).rounded())), y1 = min(h, Int(((r.y1 - cut.y0) * cut.scaleY).rounded()))
        guard x1 > x0, y1 > y0 else { return nil }
        var sum = 0.0
        field.values.withUnsafeBufferPointer { values in
            for y in y0..<y1 {
                for x in x0..<x1 { sum += Double(values[2 * (y * w + x) + 1]) }
            }
        }
        return sum / Double((x1 - x0) * (y1 - y0))
    }
}
