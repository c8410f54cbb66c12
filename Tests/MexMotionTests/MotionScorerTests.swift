import Testing
import Foundation
import MexCore
@testable import MexMotion

/// The head's motion is recovered from a flow field however much of the face an
/// expression moves, and taken out of the score.
@Suite struct FlowRegistrationTests {
    /// A field of head motion `head` plus, inside `expression` (crop pixels), an extra
    /// motion `push`, and a small deterministic ripple standing for the flow's noise.
    private func field(_ head: HeadMotion, expression: (x0: Int, y0: Int, x1: Int, y1: Int)? = nil,
                       push: (Float, Float) = (0, 0), side: Int = 128) -> FlowField {
        var f = FlowField(width: side, height: side)
        let c = Double(side) / 2
        for y in 0..<side {
            for x in 0..<side {
                let (u, v) = head.flow(x: Double(x) + 0.5 - c, y: Double(y) + 0.5 - c)
                var du: Float = 0.02 * Float(((x * 7 + y * 13) % 11) - 5) / 5, dv: Float = 0.02 * Float(((x * 5 + y * 3) % 7) - 3) / 3
                if let e = expression, x >= e.x0, x < e.x1, y >= e.y0, y < e.y1 { du += push.0; dv += push.1 }
                f.values[2 * (y * side + x)] = Float(u) + du
                f.values[2 * (y * side + x) + 1] = Float(v) + dv
            }
        }
        return f
    }

    /// Roll 1.5 deg, zoom 2 %, a 4 px shift and 3 % horizontal compression: the sway of
    /// a seated person between two frames.
    private let sway: HeadMotion = {
        let angle = 1.5 * Double.pi / 180, s = 1.02
        return HeadMotion(tx: 4, ty: -2, a: s * cos(angle) - 1 - 0.03, b: -s * sin(angle), c: s * sin(angle), d: s * cos(angle) - 1)
    }()

    @Test func affineRecoversSwayUnderAnExpression() {
        let f = field(sway, expression: (16, 96, 56, 128), push: (0, -2.5))   // a lip corner and chin, 10 % of the crop
        let fit = FlowRegistration(model: .affine).fit(f)
        for (x, y) in [(-64.0, -64.0), (64, 64), (0, 0), (-64, 64)] {
            let (u, v) = fit.flow(x: x, y: y), (eu, ev) = sway.flow(x: x, y: y)
            #expect(abs(u - eu) < 0.05 && abs(v - ev) < 0.05, "at \(x),\(y): \(u),\(v) vs \(eu),\(ev)")
        }
        #expect(abs(fit.rollDegrees - 1.5 * 1.02) < 0.05)
    }

    @Test func translationLeavesRollInTheResidual() {
        let fit = FlowRegistration(model: .translation, rounds: 0).fit(field(sway))
        let (u, _) = fit.flow(x: 0, y: -64), (eu, _) = sway.flow(x: 0, y: -64)
        #expect(abs(u - eu) > 1)
    }

    @Test func similarityFitsAPureSimilarity() {
        let angle = -1.0 * Double.pi / 180, s = 0.98
        let head = HeadMotion(tx: -3, ty: 1, a: s * cos(angle) - 1, b: -s * sin(angle), c: s * sin(angle), d: s * cos(angle) - 1)
        let fit = FlowRegistration(model: .similarity).fit(field(head, expression: (40, 8, 88, 30), push: (0, -3)))
        #expect(abs(fit.zoom - head.zoom) < 0.002)
        #expect(abs(fit.rollDegrees - head.rollDegrees) < 0.05)
        #expect(abs(fit.tx - head.tx) < 0.05 && abs(fit.ty - head.ty) < 0.05)
    }

    @Test func cellsWithNoWeightAreIgnored() {
        // Everything moves right except the left half, which is given no weight.
        let f = field(HeadMotion(tx: 2), expression: (0, 0, 64, 128), push: (-2, 0))
        let fit = FlowRegistration(model: .affine).fit(f, prior: { x, _ in x < 64 ? 0 : 1 })
        #expect(abs(fit.tx - 2) < 0.05 && abs(fit.a) < 0.001)
    }

    @Test func linearSolverSolvesAndRefusesSingular() {
        let x = FlowRegistration.solveLinear([2, 1, 0, 1, 3, 1, 0, 1, 4], [3, 5, 5], n: 3)
        #expect(x.map { zip($0, [1.0, 1.0, 1.0]).allSatisfy { abs($0 - $1) < 1e-12 } } == true)
        #expect(FlowRegistration.solveLinear([1, 2, 2, 4], [1, 2], n: 2) == nil)
    }
}

@Suite struct FaceGridTests {
    @Test func cellsCoverTheFaceRowByRow() {
        #expect(FaceGrid.cell(x: 0, y: 0) == 0)
        #expect(FaceGrid.cell(x: 0.99, y: 0.99) == FaceGrid.cellCount - 1)
        #expect(FaceGrid.cell(x: 0.5, y: 0.3) == 2 * FaceGrid.columns + 4)   // the glabella is a cell like any other
        #expect(!FaceGrid.isEye(x: 0.5, y: 0.3))
        #expect(FaceGrid.isEye(x: 0.31, y: 0.40) && FaceGrid.isEye(x: 0.69, y: 0.42))
        #expect(Set(FaceGrid.lowerFace).isDisjoint(with: FaceGrid.nearEyes))
    }
}

/// Which eye motion is a blink (`MotionScorer.isBlink`).
@Suite struct BlinkDecisionTests {
    @Test func aClosingLidIsABlinkFromItsFirstFrame() {
        // The first frame of a blink: the upper lids 0.5 px down, the brows still.
        #expect(MotionScorer.isBlink(eyes: 0.5, eyesDown: 0.48, brows: 0.05, cheeks: 0.1))
        // Its height: well over 0.8 px, in any direction.
        #expect(MotionScorer.isBlink(eyes: 2.0, eyesDown: -1.9, brows: 0.2, cheeks: 1.0))
    }

    @Test func lidsMovingUpOrWithTheBrowsAreNot() {
        // A cheek raise (AU6) or lid tightener (AU7) lifts the lower lids 0.5 px.
        #expect(!MotionScorer.isBlink(eyes: 0.5, eyesDown: -0.48, brows: 0.05, cheeks: 0.3))
        // ... and its release moves them down with the cheeks.
        #expect(!MotionScorer.isBlink(eyes: 0.7, eyesDown: 0.68, brows: 0.05, cheeks: 0.6))
        // A sideways gaze shift under 0.8 px.
        #expect(!MotionScorer.isBlink(eyes: 0.5, eyesDown: 0.1, brows: 0.05, cheeks: 0.05))
        // A brow lowerer drags the skin over the eyes down with the brows.
        #expect(!MotionScorer.isBlink(eyes: 0.6, eyesDown: 0.6, brows: 0.4, cheeks: 0.05))
        // Noise.
        #expect(!MotionScorer.isBlink(eyes: 0.2, eyesDown: 0.2, brows: 0.02, cheeks: 0.02))
    }
}

/// A picture that changes wholesale (a cut, a black frame) is not facial motion.
@Suite struct CutTests {
    /// A 128 px crop with smooth texture.
    private func crop(offset: Int = 0) -> GrayImage {
        let side = MotionScorer.cropSide
        var pixels = [UInt8](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let v = 120.0 + 40 * sin(Double(x) / 5) * cos(Double(y) / 7) + Double(offset)
                pixels[y * side + x] = UInt8(max(0, min(255, v)))
            }
        }
        return GrayImage(width: side, height: side, pixels: pixels)
    }

    @Test func aCutToBlackScoresNothing() throws {
        let scorer = try MotionScorer()
        let black = GrayImage(width: MotionScorer.cropSide, height: MotionScorer.cropSide,
                              pixels: [UInt8](repeating: 4, count: MotionScorer.cropSide * MotionScorer.cropSide))
        let sample = try scorer.score(earlier: crop(), current: black)
        #expect(sample.cut)
        #expect(sample.countedScores.allSatisfy { $0 == 0 })
    }

    /// A face shaded from dark edges to a light middle, with faint texture, and the same face after
    /// the camera's exposure fell by 8 %: brightness, not motion.
    private func shadedFace(gain: Double = 1) -> GrayImage {
        let side = MotionScorer.cropSide
        var pixels = [UInt8](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let v = 50.0 + 150 * sin(Double.pi * Double(x) / Double(side)) + 6 * sin(Double(x) / 5) * cos(Double(y) / 7)
                pixels[y * side + x] = UInt8(max(0, min(255, (v * gain).rounded())))
            }
        }
        return GrayImage(width: side, height: side, pixels: pixels)
    }

    @Test func anExposureChangeOverShadingIsNoMotion() throws {
        let earlier = shadedFace(gain: 0.92), current = shadedFace()
        // The flow alone reads the change as motion along the shading...
        let flow = try DenseOpticalFlow(MotionScorer.defaultFlow)
        var field = FlowField(width: MotionScorer.cropSide, height: MotionScorer.cropSide)
        try flow.compute(from: earlier, to: current, into: &field)
        let head = FlowRegistration().fit(field)
        var largest = 0.0
        let side = MotionScorer.cropSide, c = Double(side) / 2
        for y in stride(from: 8, to: side - 8, by: 4) {
            for x in stride(from: 8, to: side - 8, by: 4) {
                let u = Double(field.values[2 * (y * side + x)]) - head.flow(x: Double(x) + 0.5 - c, y: Double(y) + 0.5 - c).u
                largest = max(largest, abs(u))
            }
        }
        // (0.56 px where the shading curves: a micro-expression's size), which the
        // scorer, matching the crops' brightness first, does not (0.05, a still face).
        let sample = try MotionScorer().score(earlier: earlier, current: current)
        #expect(!sample.cut)
        #expect(sample.score < 0.08, "\(sample.score)")
        #expect(largest > 0.3, "flow without matching: \(largest)")
    }

    @Test func anExposureStepIsNoCut() throws {
        let scorer = try MotionScorer()
        let sample = try scorer.score(earlier: crop(), current: crop(offset: 15))
        #expect(!sample.cut)
    }
}
