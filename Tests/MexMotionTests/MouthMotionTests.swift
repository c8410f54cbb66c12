import Foundation
import MexCore
import Testing
@testable import MexMotion

/// A 320x320 frame with a smooth texture; the rows from `jawFrom` down are shifted
/// down by `jaw` pixels and the whole picture by `head` pixels.
private func frame(jaw: Double = 0, head: Double = 0, jawFrom: Int = 10_000) -> GrayImage {
    let side = 320
    var pixels = [UInt8](repeating: 0, count: side * side)
    for y in 0..<side {
        for x in 0..<side {
            let shift: Double = head + (y >= jawFrom ? jaw : 0)
            let u = Double(x), v = Double(y) - shift
            let value: Double = 128 + 50 * sin(u / 5.0) * cos(v / 7.0) + 40 * sin((u + v) / 11.0)
            pixels[y * side + x] = UInt8(max(0, min(255, value)))
        }
    }
    return GrayImage(width: side, height: side, pixels: pixels)
}

@Suite struct MouthMotionTests {
    /// A 128 px face box: the cut's pixels are the frame's.
    let box = FaceBox(x: 96, y: 40, width: 128, height: 128)

    @Test func theJawOpeningIsPositive() throws {
        let mouth = try MouthMotion()
        // Lips and chin (from 0.80 of the box down) move 1 px down; the head is still.
        let jawTop = Int(box.y + 0.80 * box.height)
        let before = try #require(try MouthMotion.cut(frame(), box: box))
        let after = try #require(try MouthMotion.cut(frame(jaw: 1, jawFrom: jawTop), box: box))
        let signal = try mouth.signal(earlier: before, current: after, head: HeadMotion(), headSpan: 1)
        #expect(signal > 0.6 && signal < 1.3, "signal \(signal)")
        let closing = try mouth.signal(earlier: after, current: before, head: HeadMotion(), headSpan: 1)
        #expect(closing < -0.6, "signal \(closing)")
    }

    @Test func theHeadsOwnMotionIsTakenOut() throws {
        let mouth = try MouthMotion()
        let before = try #require(try MouthMotion.cut(frame(), box: box))
        let after = try #require(try MouthMotion.cut(frame(head: 1), box: box))
        // The head moved 1 px down over the cuts' span; its fit says 3 px over a span
        // three times as long.
        let raw = try mouth.signal(earlier: before, current: after, head: HeadMotion(), headSpan: 3)
        let registered = try mouth.signal(earlier: before, current: after, head: HeadMotion(ty: 3), headSpan: 3)
        #expect(raw > 0.6, "raw \(raw)")
        #expect(abs(registered) < 0.2, "registered \(registered)")
    }

    @Test func theCutReachesBelowTheBoxAndStopsAtTheFrame() throws {
        let inside = try #require(try MouthMotion.cut(frame(), box: box))
        let area = MouthMotion.area
        #expect(inside.image.width == Int(((area.x1 - area.x0) * 128).rounded()))
        #expect(inside.image.height == Int(((area.y1 - area.y0) * 128).rounded()))
        #expect(area.y1 > 1.2)
        // A face low in the frame: the cut is clipped at the bottom, at the same scale.
        let low = FaceBox(x: 96, y: 200, width: 128, height: 128)
        let clipped = try #require(try MouthMotion.cut(frame(), box: low))
        #expect(clipped.image.width == inside.image.width)
        #expect(abs(clipped.image.height - (320 - Int(200 + area.y0 * 128))) <= 1)
    }
}
