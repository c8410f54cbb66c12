import Foundation
import MexCore
import MexVision
import Testing
@testable import MexMotion

/// An event's later key frames are brought back onto its onset by the head's motion.
@Suite struct KeyFrameRegistrationTests {
    /// A smooth deterministic texture, wider than the crop so that moving it brings real
    /// texture in at the edges.
    static let texture: GrayImage = {
        let side = 192
        var pixels = [UInt8](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let fx = Double(x), fy = Double(y)
                let v = 128 + 50 * sin(fx / 7.3) * cos(fy / 9.1) + 35 * sin((fx + 2 * fy) / 13.7) + 20 * cos((3 * fx - fy) / 5.9)
                pixels[y * side + x] = UInt8(max(0, min(255, v.rounded())))
            }
        }
        return GrayImage(width: side, height: side, pixels: pixels)
    }()

    /// The 128 px centre of the texture, moved by `head` (its flow from the centre crop).
    static func crop(_ head: HeadMotion) throws -> GrayImage {
        // Output pixel p of the moved crop shows what the still crop showed at p - flow(p),
        // to first order: the map `alignment` builds, offset into the wider texture.
        var m = head.alignment(side: 128)
        m[2] += 32; m[5] += 32
        return try texture.warped(m, width: 128, height: 128)
    }

    @Test func recoversAHeadMotionAndWarpsTheFaceBack() throws {
        let onset = try Self.crop(HeadMotion())
        let angle = 1.0 * Double.pi / 180
        let head = HeadMotion(tx: 2.5, ty: -1.5, a: cos(angle) - 1, b: -sin(angle), c: sin(angle), d: cos(angle) - 1)
        let apex = try Self.crop(head)
        let aligned = try KeyFrameRegistration().align(apex, onto: onset)
        #expect(aligned.warped)
        for (x, y) in [(0.0, 0.0), (-64, -64), (64, 64)] {
            let (u, v) = aligned.head.flow(x: x, y: y), (eu, ev) = head.flow(x: x, y: y)
            #expect(abs(u - eu) < 0.15 && abs(v - ev) < 0.15, "at \(x),\(y): \(u),\(v) vs \(eu),\(ev)")
        }
        // Away from the edges (replicated pixels), the warped apex is the onset again.
        func meanDifference(_ a: GrayImage, _ b: GrayImage) -> Double {
            var sum = 0, n = 0
            for y in 16..<112 { for x in 16..<112 { sum += abs(Int(a.pixels[y * 128 + x]) - Int(b.pixels[y * 128 + x])); n += 1 } }
            return Double(sum) / Double(n)
        }
        let before = meanDifference(apex, onset), after = meanDifference(aligned.image, onset)
        #expect(after < before / 5, "mean difference \(before) before, \(after) after")
    }

    @Test func aStillHeadIsLeftAsItIs() throws {
        let onset = try Self.crop(HeadMotion())
        let apex = try Self.crop(HeadMotion(tx: 0.1))
        let aligned = try KeyFrameRegistration().align(apex, onto: onset)
        #expect(!aligned.warped)
        #expect(aligned.image == apex)
    }

    @Test func backAlignmentUndoesAlignment() throws {
        // Composing the two maps is the identity up to second order in the motion: the
        // error stays under 0.1 px for a sway-sized motion and shrinks with its square.
        func worst(_ head: HeadMotion) -> Double {
            let forward = head.alignment(side: 128), back = head.backAlignment(side: 128)
            var error = 0.0
            for (x, y) in [(0.0, 0.0), (127, 0), (0, 127), (127, 127), (63.5, 63.5)] {
                let fx = forward[0] * x + forward[1] * y + forward[2], fy = forward[3] * x + forward[4] * y + forward[5]
                let bx = back[0] * fx + back[1] * fy + back[2], by = back[3] * fx + back[4] * fy + back[5]
                error = max(error, abs(bx - x), abs(by - y))
            }
            return error
        }
        let head = HeadMotion(tx: 1.5, ty: -0.5, a: 0.01, b: -0.02, c: 0.02, d: 0.005)
        let tenth = HeadMotion(tx: 0.15, ty: -0.05, a: 0.001, b: -0.002, c: 0.002, d: 0.0005)
        #expect(worst(head) < 0.1)
        #expect(worst(tenth) < worst(head) / 50)
    }

    @Test func cropsOfDifferentSizesAreRefused() throws {
        let small = GrayImage(width: 64, height: 64, pixels: [UInt8](repeating: 0, count: 64 * 64))
        #expect(throws: VisionError.self) { try KeyFrameRegistration().align(small, onto: try Self.crop(HeadMotion())) }
    }
}
