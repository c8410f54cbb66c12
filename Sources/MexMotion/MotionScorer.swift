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
    /// The signal speech is recognised from (`MouthMotion`), filled in by the caller,
    /// which has the frames it spans.
    public var mouthMotion = 0.0
    /// The largest mean residual over the windows centred on the eyes, and over the
    /// brows (`FaceGrid.brows`): what `blink` was decided from.
    public var eyeMotion = 0.0
    public var browMotion = 0.0

    /// The head moved more than `MotionScorer.fastHeadLimit` between the two faces: the
    /// flow of the face's own motion cannot be told from the head's, and no cell counts.
    public var fastHead = false
    /// The picture changed wholesale between the two crops (a cut, a black frame, the
    /// light switched): their mean brightness differs by more than
    /// `MotionScorer.cutLevel`. No cell counts, as with `fastHead`.
    public var cut = false

    /// The cell scores that count towards `score`: those a blink covered are 0, and all
    /// are when the head moved too fast.
    public var countedScores: [Double] {
        if fastHead || cut { return [Double](repeating: 0, count: regionScores.count) }
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
    /// times the brows (most above 2) and 1.4 to 4 px at its height; brow raises and
    /// lowerers 1.0 to 1.7 times (they drag the skin above the eyes along), and a cheek
    /// raise (AU6), which moves the lower lids, up to 6 times but under 0.6 px.
    public static let blinkRatio = 2.0
    /// Head motion (`HeadMotion.largestMotion`, crop pixels over the flow's span) above
    /// which a frame is not scored: 8 px is a turn of about a fifth of the face per
    /// second at 30 fps, five times a seated person's sway.
    public static let fastHeadLimit = 8.0
    /// Mean brightness change (grey levels) between the two crops above which the
    /// picture changed wholesale (`MotionSample.cut`). An auto-exposure or white-balance
    /// step changes it by 5-15 % (under 20 levels on a face); a cut to black by 100 or more.
    public static let cutLevel = 40.0
    public static let blinkMinimum = 0.8
    /// A blink's first frame: the upper lids have only begun to fall, under
    /// `blinkMinimum`, but the eyes already move `blinkRatio` times the brows and the
    /// cheeks, and downwards. A cheek raise (AU6) or a lid tightener (AU7) moves the lower
    /// lids up, a lid raiser (AU5) the upper lids, and a cheek raise's release moves the
    /// lower lids down together with the cheeks, so a downward motion this large that
    /// the cheeks do not share is a lid closing. Without it the first frame of a blink
    /// counted as facial motion and could become an open run's apex.
    public static let blinkOnsetMinimum = 0.3
    /// The downward share of the eyes' motion that marks a lid closing (cos 45 deg).
    public static let blinkOnsetDownward = 0.7

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
    /// (`score`) when the head moved more than this many crop pixels somewhere in the
    /// crop (`HeadMotion.largestMotion`); nil never. A head that moved less is scored
    /// from the first flow: the second costs as much again, and its resampling blurs
    /// the earlier crop a little, which raises a still face's floor.
    public let realignAbove: Double?
    public static let defaultRealignAbove = 0.5

    public init(flow method: DenseOpticalFlow.Method = MotionScorer.defaultFlow,
                registration: FlowRegistration = FlowRegistration(), realignAbove: Double? = MotionScorer.defaultRealignAbove) throws(VisionError) {
        flow = try DenseOpticalFlow(method)
        self.registration = registration
        self.realignAbove = realignAbove
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

    /// Pixels of face around the earlier crop when it is re-aligned (`score`), so that
    /// moving it with the head brings real face into view at its edges rather than
    /// repeated edge pixels, which the flow would read as motion of the edge cells.
    public static let margin = 16

    /// The earlier of the two faces `score` compares: its 128 px crop under the later
    /// frame's box, and the frame itself, from which a crop with a margin is cut only
    /// when the head's motion has to be re-aligned.
    public struct EarlierFace {
        public var crop: GrayImage
        public var image: GrayImage?
        public var box: FaceBox

        /// The crop of `box` in `image` (`MotionScorer.crop`).
        public init(image: GrayImage, box: FaceBox) throws(VisionError) {
            crop = try MotionScorer.crop(image, box: box)
            self.image = image
            self.box = box
        }

        /// A crop alone: re-aligning it repeats its edge pixels.
        public init(crop: GrayImage) {
            self.crop = crop
            image = nil
            box = FaceBox(x: 0, y: 0, width: Double(crop.width), height: Double(crop.height))
        }

        /// The face box and its margin in frame pixels, when the widened box lies
        /// inside the frame.
        private func margin(side: Int) -> (box: (x: Int, y: Int, width: Int, height: Int), pixels: Int)? {
            guard let image else { return nil }
            let r = box.rounded
            let m = Int((Double(MotionScorer.margin) * Double(r.width) / Double(side)).rounded())
            guard m > 0, r.x - m >= 0, r.y - m >= 0, r.x + r.width + m <= image.width, r.y + r.height + m <= image.height else { return nil }
            return (r, m)
        }

        /// Whether `warped` has the margin to draw from.
        func hasMargin(side: Int) -> Bool { margin(side: side) != nil }

        /// `map` (output pixel to a point of `crop`, as `GrayImage.warped` takes it)
        /// applied to a wider crop with `margin` crop pixels around the box, shrunk at
        /// the same scale; the plain crop where the wider box leaves the image.
        func warped(_ map: [Double], side: Int) throws(VisionError) -> GrayImage {
            guard let image, let (r, m) = margin(side: side) else { return try crop.warped(map) }
            let wideSide = side + 2 * MotionScorer.margin
            let wide = try image.resample(FaceBox(x: Double(r.x - m), y: Double(r.y - m), width: Double(r.width + 2 * m), height: Double(r.height + 2 * m)),
                                          width: wideSide, height: wideSide, interpolation: .area)
            // A point i of the crop (pixel index) is at j = k i + o in the wider one: both
            // map pixel centres linearly onto the frame, at scales of r.width / side and
            // (r.width + 2 m) / wideSide.
            let kx = Double(r.width) / Double(side) * Double(wideSide) / Double(r.width + 2 * m)
            let ky = Double(r.height) / Double(side) * Double(wideSide) / Double(r.height + 2 * m)
            let ox = (0.5 * Double(r.width) / Double(side) + Double(m)) * Double(wideSide) / Double(r.width + 2 * m) - 0.5
            let oy = (0.5 * Double(r.height) / Double(side) + Double(m)) * Double(wideSide) / Double(r.height + 2 * m) - 0.5
            let wideMap = [kx * map[0], kx * map[1], kx * map[2] + ox, ky * map[3], ky * map[4], ky * map[5] + oy]
            return try wide.warped(wideMap, width: side, height: side)
        }
    }

    /// The registration's prior: the eyes never count (a blink moves them wholesale).
    static func registrationPrior(side: Int) -> (Double, Double) -> Double {
        let s = Double(side)
        return { x, y in FaceGrid.isEye(x: x / s, y: y / s) ? 0 : 1 }
    }

    /// Scores the motion between two 128x128 face crops (`crop`) cut under one box.
    public func score(earlier: GrayImage, current: GrayImage) throws(VisionError) -> MotionSample {
        try score(earlier: EarlierFace(crop: earlier), current: current)
    }

    /// Scores the motion from `earlier` to `current`, the later frame's crop under the
    /// box `earlier` was cut with.
    public func score(earlier: EarlierFace, current: GrayImage) throws(VisionError) -> MotionSample {
        let side = Self.cropSide
        // The earlier crop brought to the later one's mean brightness first: the flow
        // assumes brightness constancy, and a gain change (auto-exposure, white balance,
        // lighting, flicker) over a smoothly shaded cheek reads as motion along its
        // gradient (docs/decisions/2026-12-07-noise-tails.md).
        let brightness = current.mean
        try flow.compute(from: earlier.crop.scaled(toMean: brightness), to: current, into: &field)
        let prior = Self.registrationPrior(side: side)
        var head = registration.fit(field, prior: prior)
        // Crop pixels at the edges that the head's motion brought in from beyond what the
        // earlier crop holds (its margin, when re-aligned): no window there is scored.
        var edge = (x: 0, y: 0)
        if let limit = realignAbove, head.largestMotion(side: side) > limit {
            let h = Double(side) / 2, held = earlier.hasMargin(side: side) ? Double(Self.margin) : 0
            var reachX = 0.0, reachY = 0.0
            for (x, y) in [(-h, -h), (h, -h), (-h, h), (h, h)] {
                let (u, v) = head.flow(x: x, y: y)
                reachX = max(reachX, abs(u)); reachY = max(reachY, abs(v))
            }
            edge = (Int(max(0, reachX - held).rounded(.up)), Int(max(0, reachY - held).rounded(.up)))
            // The flow of a moving head is less accurate than that of a still one (the
            // patches' content shifts by fractions of pixels that the coarse pyramid
            // level blurs): aligned first, the crops differ only by the face's own
            // motion and what the first fit missed, which a second fit takes out.
            let aligned = try earlier.warped(head.alignment(side: side), side: side)
            try flow.compute(from: aligned.scaled(toMean: brightness), to: current, into: &field)
            let rest = registration.fit(field, prior: prior)
            integrate(side: side, head: rest)
            head = head.adding(rest)
        } else {
            integrate(side: side, head: head)
        }
        var cells = [Double](repeating: 0, count: FaceGrid.cellCount)
        var eyes = 0.0, eyesDown = 0.0
        let w = Self.windowSide, row = side + 1
        let area = Double(w * w)
        integralU.withUnsafeBufferPointer { iu in
            integralV.withUnsafeBufferPointer { iv in
                var k = 0
                for y in Self.windowPositions {
                    for x in Self.windowPositions {
                        guard x >= edge.x, x + w <= side - edge.x, y >= edge.y, y + w <= side - edge.y else { k += 1; continue }
                        let a = y * row + x, b = a + w, c = (y + w) * row + x, d = c + w
                        let su = iu[d] - iu[b] - iu[c] + iu[a]
                        let sv = iv[d] - iv[b] - iv[c] + iv[a]
                        let s = (su * su + sv * sv) / (area * area)
                        let cell = windowCells[k]
                        if cell < 0 {
                            if s > eyes { eyes = s; eyesDown = sv / area }
                        } else if s > cells[cell] { cells[cell] = s }
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
        let blink = Self.isBlink(eyes: eyes, eyesDown: eyesDown, brows: brows, cheeks: windowMaximum(FaceGrid.cheeks, side: side))
        var sample = MotionSample(score: 0, regionScores: cells, head: head, headMotion: head.largestMotion(side: side),
                                  headShiftX: head.tx, headShiftY: head.ty, blink: blink,
                                  eyeMotion: eyes, browMotion: brows)
        sample.fastHead = sample.headMotion > Self.fastHeadLimit
        sample.cut = abs(earlier.crop.mean - brightness) > Self.cutLevel
        sample.score = sample.countedScores.max() ?? 0
        return sample
    }

    /// Whether the eyes' motion is a blink: `eyes` the largest mean residual over the
    /// windows centred on them, `eyesDown` that window's downward component, `brows` and
    /// `cheeks` the largest over the brows and the cheeks (crop pixels).
    static func isBlink(eyes: Double, eyesDown: Double, brows: Double, cheeks: Double) -> Bool {
        guard eyes > blinkRatio * brows else { return false }
        let closing = eyes > blinkOnsetMinimum && eyesDown > blinkOnsetDownward * eyes && eyes > blinkRatio * cheeks
        return eyes > blinkMinimum || closing
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
