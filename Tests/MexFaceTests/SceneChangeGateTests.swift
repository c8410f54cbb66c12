import MexCore
import Testing
@testable import MexFace

@Suite struct SceneChangeGateTests {
    private func image(_ width: Int = 640, _ height: Int = 480, square: (x: Int, y: Int, side: Int, value: UInt8)? = nil) -> GrayImage {
        var pixels = [UInt8](repeating: 100, count: width * height)
        if let square {
            for y in square.y..<(square.y + square.side) {
                for x in square.x..<(square.x + square.side) { pixels[y * width + x] = square.value }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    @Test func aStillSceneNeverFires() {
        var gate = SceneChangeGate(fps: 30)
        for _ in 0..<90 { #expect(gate.changed(image()) == nil) }
    }

    @Test func aFaceSizedPatchFiresWhereItAppeared() throws {
        var gate = SceneChangeGate(fps: 30)
        for _ in 0..<30 { _ = gate.changed(image()) }
        let square = (x: 300, y: 200, side: 100, value: UInt8(200))
        let fired = gate.changed(image(square: square))
        let region = try #require(fired)
        // The patch's cells (20 px each) hold the square.
        #expect(region.x <= 300 && region.x + region.width >= 400, "\(region)")
        #expect(region.y <= 200 && region.y + region.height >= 300, "\(region)")
        #expect(region.width <= 140 && region.height <= 140, "\(region)")
    }

    @Test func aSpeckFarSmallerThanAFaceDoesNotFire() {
        var gate = SceneChangeGate(fps: 30)
        for _ in 0..<30 { _ = gate.changed(image()) }
        #expect(gate.changed(image(square: (x: 300, y: 200, side: 30, value: 255))) == nil)
    }

    /// A patch that flickers in place all the time stops counting.
    @Test func aPlaceThatAlwaysChangesIsHabituatedTo() {
        var gate = SceneChangeGate(fps: 30)
        var fired: [Int] = []
        for t in 0..<240 {
            let on = (t / 3) % 2 == 0
            if gate.changed(image(square: on ? (x: 100, y: 100, side: 120, value: 220) : nil)) != nil { fired.append(t) }
        }
        #expect(fired.first.map { $0 < 10 } == true, "fires at first: \(fired)")
        #expect(fired.allSatisfy { $0 < 120 }, "still firing after 4 s: \(fired)")
    }

    @Test func theLatticeThumbnailIsTheCellMean() {
        let thumb = SceneChangeGate.thumbnail(image(square: (x: 0, y: 0, side: 20, value: 200)), width: 32, height: 24)
        #expect(thumb[0] == 200)
        #expect(thumb[1] == 100)
        #expect(thumb.count == 32 * 24)
    }
}
