import Foundation
import MexCore
import MexTestSupport
import Testing
@testable import MexMotion

/// A smooth textured image shifted by (dx, dy) pixels.
private func texture(width: Int, height: Int, dx: Double = 0, dy: Double = 0) -> GrayImage {
    var pixels = [UInt8](repeating: 0, count: width * height)
    for y in 0..<height {
        for x in 0..<width {
            let u = Double(x) - dx, v = Double(y) - dy
            let value = 128 + 50 * sin(u / 5.0) * cos(v / 7.0) + 40 * sin((u + v) / 11.0)
            pixels[y * width + x] = UInt8(max(0, min(255, value)))
        }
    }
    return GrayImage(width: width, height: height, pixels: pixels)
}

private func meanFlow(_ field: FlowField, margin: Int = 16) -> (u: Double, v: Double) {
    var su = 0.0, sv = 0.0, n = 0.0
    for y in margin..<(field.height - margin) {
        for x in margin..<(field.width - margin) {
            su += Double(field.u(x, y)); sv += Double(field.v(x, y)); n += 1
        }
    }
    return (su / n, sv / n)
}

@Suite struct DenseOpticalFlowTests {
    @Test(arguments: [DenseOpticalFlow.Method.dis(.medium), .tvl1])
    func recoversAKnownShift(_ method: DenseOpticalFlow.Method) throws {
        let flow = try DenseOpticalFlow(method)
        let a = texture(width: 128, height: 128)
        let b = texture(width: 128, height: 128, dx: 1.5, dy: -1.0)
        let field = try flow.compute(from: a, to: b)
        let mean = meanFlow(field)
        #expect(abs(mean.u - 1.5) < 0.15 && abs(mean.v + 1.0) < 0.15, "\(method): \(mean)")
    }

    @Test func noMotionNoFlow() throws {
        let flow = try DenseOpticalFlow(.dis(.fast))
        let a = texture(width: 96, height: 96)
        let mean = meanFlow(try flow.compute(from: a, to: a))
        #expect(abs(mean.u) < 0.01 && abs(mean.v) < 0.01)
    }

    @Test func writesIntoTheCallersField() throws {
        let flow = try DenseOpticalFlow(.dis(.ultrafast))
        var field = FlowField(width: 64, height: 64)
        try flow.compute(from: texture(width: 64, height: 64), to: texture(width: 64, height: 64, dx: 1), into: &field)
        #expect(field.values.contains { $0 != 0 })
    }

    @Test func sizeMismatchIsAnError() throws {
        let flow = try DenseOpticalFlow(.tvl1)
        #expect(throws: VisionErrorMatcher.self) {
            do { _ = try flow.compute(from: texture(width: 64, height: 64), to: texture(width: 32, height: 32)) }
            catch { throw VisionErrorMatcher() }
        }
    }
}

struct VisionErrorMatcher: Error {}
