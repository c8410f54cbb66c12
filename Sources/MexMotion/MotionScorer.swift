import MexCore
import MexVision

/// The motion of one face between frames t-g and t.
public struct MotionSample: Sendable, Equatable {
    /// The largest of `countedScores` (pixels of motion of the 128 px crop over the g
    /// frames), before any equalisation. The spotter does not read it: it takes
    /// `countedScores` and combines them itself (`ApexSpotter.combinedScore`).
    public var score: Double
    /// Per cell of `FaceGrid`, row by row: the largest mean of the residual flow (the
    /// head's motion taken out) over a window whose corner lies in the cell.
    public var regionScores: [Double]
    /// The head's own motion between the two crops (`FlowRegistration`).
    public var head = HeadMotion()
    /// The largest head motion over the crop (translation, roll and zoom together).
    public var headMotion: Double
    /// The head's translation, in crop pixels over the g frames (x right, y down).
    public var headShiftX = 0.0
    public var headShiftY = 0.0
    /// The eyes moved much more than the brows: a blink. The cells next to the eyes
    /// (`FaceGrid.nearEyes`) are then left out of `countedScores`, and so of `score`.
    public var blink: Bool
    /// The mean vertical residual motion of the mouth and chin (`FaceGrid.mouth`),
    /// signed (down is positive): the signal speech is recognised from.
    public var mouthMotion = 0.0
    /// The largest mean residual over the windows centred on the eyes, and over the
    /// brows (`FaceGrid.brows`): what `blink` was decided from.
    public var eyeMotion = 0.0
    public var browMotion = 0.0

    /// The cell scores that count towards `score`: those a blink covered are 0.
    public var countedScores: [Double] {
        guard blink else { return regionScores }
        var counted = regionScores
        for i in FaceGrid.nearEyes where i < counted.count { counted[i] = 0 }
        return counted
    }
}

/// Scores facial motion per frame (docs/ARCHITECTURE.md section 3.3): DIS flow between
/// the face crops of frames t-g and t, both cut with frame t's box so that box jitter is
/// not motion; the head's rigid motion fitted to that flow and taken out
/// (`FlowRegistration`); then per cell of a grid over the face (`FaceGrid`) the largest
/// mean residual over a 12 px window. A window's mean keeps an action unit's coherent
/// motion and averages the flow's noise away, where a mean of the largest magnitudes
/// would keep the noise's largest values (docs/decisions/2026-11-25-motion-score.md).
///
/// Not thread-safe: one per source pipeline.
public final class MotionScorer {
    public static let cropSide = 128
    /// A cell's score is the largest mean flow over a window this many crop pixels
    /// square (about the core of one action unit's motion), slid by `windowStride`.
    public static let windowSide = 12
    public static let windowStride = 2
    /// Eye motion above this multiple of the brows', and above `blinkMinimum` crop
    /// pixels, marks a blink. On the generated faces a blink's frames measured 1.6 to 16
    /// times the brows (most above 2), brow raises 1.0 to 1.3 and brow lowerers up to
    /// 1.7, since both drag the skin above the eyes along.
    public static let blinkRatio = 2.0
    public static let blinkMinimum = 0.3

    private let flow: DenseOpticalFlow
    public let registration: FlowRegistration
    private var field = FlowField(width: MotionScorer.cropSide, height: MotionScorer.cropSide)
    private var integralU: [Double] = []
    private var integralV: [Double] = []
    /// Per window position (row-major over the window grid): its cell, or -1 on an eye.
    private let windowCells: [Int]

    /// The flow the pipeline scores with: DIS fast at its own finest pyramid level
    /// (2: 32x32 for the 128 px crop). A finer level resolves faint motion better but
    /// also raises the still face's score, and the spotter's absolute settings
    /// (`minimumThreshold`, `minimumDisplacement`) are set for this level's scale
    /// (docs/decisions/2026-11-25-motion-score.md).
    public static let defaultFlow = DenseOpticalFlow.Method.dis(.fast)

    /// Re-align the earlier crop with the fitted head motion and compute the flow again
    /// (`score`).
    public let realign: Bool

    public init(flow method: DenseOpticalFlow.Method = MotionScorer.defaultFlow,
                registration: FlowRegistration = FlowRegistration(), realign: Bool = true) throws(VisionError) {
        flow = try DenseOpticalFlow(method)
        self.registration = registration
        self.realign = realign
        let side = Double(Self.cropSide), positions = Self.windowPositions
        var cells: [Int] = []
        for y in positions {
            for x in positions {
                let cx = (Double(x) + Double(Self.windowSide) / 2) / side, cy = (Double(y) + Double(Self.windowSide) / 2) / side
                cells.append(FaceGrid.isEye(x: cx, y: cy) ? -1 : FaceGrid.cell(x: Double(x) / side, y: Double(y) / side))
            }
        }
        windowCells = cells
    }

    /// The windows' corners along one side.
    static let windowPositions = Array(stride(from: 0, through: cropSide - windowSide, by: windowStride))

    /// The crop the score compares: `box` of `image` shrunk to 128x128 by area
    /// averaging. Not the classifier's bilinear crop (Training's `crop_face`): area
    /// averaging also averages the sensor noise the bilinear one aliases, which raises
    /// the expressions' score over the still face's
    /// (docs/decisions/2026-11-25-motion-score.md).
    public static func crop(_ image: GrayImage, box: FaceBox) throws(VisionError) -> GrayImage {
        try image.resample(box, width: cropSide, height: cropSide, interpolation: .area)
    }

    /// The registration's prior: the eyes never count (a blink moves them wholesale).
    static func registrationPrior(side: Int) -> (Double, Double) -> Double {
        let s = Double(side)
        return { x, y in FaceGrid.isEye(x: x / s, y: y / s) ? 0 : 1 }
    }

    /// `earlier` and `current` are the two frames' 128x128 crops.
    public func score(earlier: GrayImage, current: GrayImage) throws(VisionError) -> MotionSample {
        try flow.compute(from: earlier, to: current, into: &field)
        let side = Self.cropSide
        let prior = Self.registrationPrior(side: side)
        var head = registration.fit(field, prior: prior)
        if realign {
            // The flow of a moving head is less accurate than that of a still one (the
            // patches' content shifts by fractions of pixels that the coarse pyramid
            // level blurs): aligned first, the crops differ only by the face's own
            // motion and what the first fit missed, which a second fit takes out.
            try flow.compute(from: try earlier.warped(head.alignment(side: side)), to: current, into: &field)
            let rest = registration.fit(field, prior: prior)
            integrate(side: side, head: rest)
            head = head.adding(rest)
        } else {
            integrate(side: side, head: head)
        }
        var cells = [Double](repeating: 0, count: FaceGrid.cellCount)
        var eyes = 0.0
        let w = Self.windowSide, row = side + 1
        let area = Double(w * w)
        integralU.withUnsafeBufferPointer { iu in
            integralV.withUnsafeBufferPointer { iv in
                var k = 0
                for y in Self.windowPositions {
                    for x in Self.windowPositions {
                        let a = y * row + x, b = a + w, c = (y + w) * row + x, d = c + w
                        let su = iu[d] - iu[b] - iu[c] + iu[a]
                        let sv = iv[d] - iv[b] - iv[c] + iv[a]
                        let s = (su * su + sv * sv) / (area * area)
                        let cell = windowCells[k]
                        if cell < 0 { eyes = max(eyes, s) } else if s > cells[cell] { cells[cell] = s }
                        k += 1
                    }
                }
            }
        }
        for i in cells.indices { cells[i] = cells[i].squareRoot() }
        // A blink moves the eyes (the windows centred on them) far more than the brows
        // above them, while a brow raise, which drags the skin above the eyes along,
        // moves the brows more.
        eyes = eyes.squareRoot()
        let brows = windowMaximum(FaceGrid.brows, side: side)
        let blink = eyes > Self.blinkRatio * brows && eyes > Self.blinkMinimum
        var sample = MotionSample(score: 0, regionScores: cells, head: head, headMotion: head.largestMotion(side: side),
                                  headShiftX: head.tx, headShiftY: head.ty, blink: blink, mouthMotion: meanV(FaceGrid.mouth, side: side),
                                  eyeMotion: eyes, browMotion: brows)
        sample.score = sample.countedScores.max() ?? 0
        return sample
    }

    /// The largest mean residual over the windows inside an area given in crop fractions.
    private func windowMaximum(_ r: (x0: Double, y0: Double, x1: Double, y1: Double), side: Int) -> Double {
        let s = Double(side), row = side + 1, w = Self.windowSide
        let x0 = Int(r.x0 * s), x1 = min(side, Int(r.x1 * s)), y0 = Int(r.y0 * s), y1 = min(side, Int(r.y1 * s))
        let area = Double(w * w)
        var best = 0.0
        var y = y0
        while y + w <= y1 {
            var x = x0
            while x + w <= x1 {
                let a = y * row + x, b = a + w, c = (y + w) * row + x, d = c + w
                let su = integralU[d] - integralU[b] - integralU[c] + integralU[a]
                let sv = integralV[d] - integralV[b] - integralV[c] + integralV[a]
                best = max(best, (su * su + sv * sv) / (area * area))
                x += Self.windowStride
            }
            y += Self.windowStride
        }
        return best.squareRoot()
    }

    /// The mean residual vertical motion over an area given in crop fractions.
    private func meanV(_ r: (x0: Double, y0: Double, x1: Double, y1: Double), side: Int) -> Double {
        let s = Double(side), row = side + 1
        let x0 = Int(r.x0 * s), x1 = min(side, Int(r.x1 * s)), y0 = Int(r.y0 * s), y1 = min(side, Int(r.y1 * s))
        guard x1 > x0, y1 > y0 else { return 0 }
        let sum = integralV[y1 * row + x1] - integralV[y0 * row + x1] - integralV[y1 * row + x0] + integralV[y0 * row + x0]
        return sum / Double((x1 - x0) * (y1 - y0))
    }

    /// Summed-area tables of the flow with the head's motion taken out, so that every
    /// window's mean vector costs four lookups.
    private func integrate(side: Int, head: HeadMotion) {
        let row = side + 1
        if integralU.count != row * row {
            integralU = [Double](repeating: 0, count: row * row)
            integralV = integralU
        }
        let centre = Double(side) / 2
        field.values.withUnsafeBufferPointer { values in
            integralU.withUnsafeMutableBufferPointer { iu in
                integralV.withUnsafeMutableBufferPointer { iv in
                    for y in 0..<side {
                        let yc = Double(y) + 0.5 - centre
                        // The head's flow along the row: u = tx + b yc + a xc, v = ty + d yc + c xc.
                        var hu = head.tx + head.b * yc + head.a * (0.5 - centre)
                        var hv = head.ty + head.d * yc + head.c * (0.5 - centre)
                        var rowU = 0.0, rowV = 0.0
                        for x in 0..<side {
                            let i = 2 * (y * side + x)
                            rowU += Double(values[i]) - hu
                            rowV += Double(values[i + 1]) - hv
                            hu += head.a
                            hv += head.c
                            let o = (y + 1) * row + x + 1
                            iu[o] = iu[o - row] + rowU
                            iv[o] = iv[o - row] + rowV
                        }
                    }
                }
            }
        }
    }
}
