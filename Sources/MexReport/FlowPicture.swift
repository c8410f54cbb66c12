import Foundation
import MexCore
import MexMotion
import MexVision

/// Pictures of a dense flow field: the Middlebury colour coding (direction as hue,
/// speed as saturation; Baker et al., "A Database and Evaluation Methodology for
/// Optical Flow", 2011) and a magnitude map through one of OpenCV's colour maps.
public enum FlowPicture {
    /// The Middlebury colour wheel: 55 hues stepping through red, yellow, green, cyan,
    /// blue and magenta, with the published number of steps between each pair.
    static let wheel: [(Double, Double, Double)] = {
        var colours: [(Double, Double, Double)] = []
        let steps = (ry: 15, yg: 6, gc: 4, cb: 11, bm: 13, mr: 6)
        for i in 0..<steps.ry { colours.append((1, Double(i) / Double(steps.ry), 0)) }
        for i in 0..<steps.yg { colours.append((1 - Double(i) / Double(steps.yg), 1, 0)) }
        for i in 0..<steps.gc { colours.append((0, 1, Double(i) / Double(steps.gc))) }
        for i in 0..<steps.cb { colours.append((0, 1 - Double(i) / Double(steps.cb), 1)) }
        for i in 0..<steps.bm { colours.append((Double(i) / Double(steps.bm), 0, 1)) }
        for i in 0..<steps.mr { colours.append((1, 0, 1 - Double(i) / Double(steps.mr))) }
        return colours
    }()

    /// The largest motion in the field, in pixels.
    public static func largestMagnitude(_ flow: FlowField) -> Double {
        var largest: Float = 0
        var i = 0
        while i + 1 < flow.values.count {
            let u = flow.values[i], v = flow.values[i + 1]
            if u.isFinite && v.isFinite { largest = max(largest, (u * u + v * v).squareRoot()) }
            i += 2
        }
        return Double(largest)
    }

    /// The field in the Middlebury colour coding, speeds scaled by `scale` pixels (the
    /// field's largest by default): white is still, full colour is `scale`.
    public static func colourCoded(_ flow: FlowField, scale: Double? = nil) -> ColorImage {
        let radius = max(scale ?? largestMagnitude(flow), 1e-6)
        var pixels = [UInt8](repeating: 0, count: flow.width * flow.height * 3)
        let n = Double(wheel.count)
        for p in 0..<(flow.width * flow.height) {
            let u = Double(flow.values[2 * p]), v = Double(flow.values[2 * p + 1])
            guard u.isFinite, v.isFinite else { continue }
            let nu = u / radius, nv = v / radius
            let r = (nu * nu + nv * nv).squareRoot()
            // Angle from -1 to 1, half-turns; the wheel starts at motion to the left.
            let angle = atan2(-nv, -nu) / Double.pi
            let position = (angle + 1) / 2 * (n - 1)
            let k0 = Int(position.rounded(.down)) % wheel.count
            let k1 = (k0 + 1) % wheel.count
            let f = position - position.rounded(.down)
            let a = wheel[k0], b = wheel[k1]
            var channel = [(1 - f) * a.0 + f * b.0, (1 - f) * a.1 + f * b.1, (1 - f) * a.2 + f * b.2]
            for c in 0..<3 {
                // Inside the unit circle the colour fades to white as motion goes to 0;
                // beyond it (faster than the scale) it darkens.
                channel[c] = r <= 1 ? 1 - r * (1 - channel[c]) : channel[c] * 0.75
                pixels[3 * p + c] = UInt8(max(0, min(255, (255 * channel[c]).rounded(.down))))
            }
        }
        return ColorImage(width: flow.width, height: flow.height, pixels: pixels)
    }

    /// Speed as a colour map (inferno: black still, yellow at `scale` pixels and above).
    public static func magnitudeMap(_ flow: FlowField, scale: Double? = nil) throws(VisionError) -> ColorImage {
        let top = max(scale ?? largestMagnitude(flow), 1e-6)
        var levels = [UInt8](repeating: 0, count: flow.width * flow.height)
        for p in 0..<levels.count {
            let u = Double(flow.values[2 * p]), v = Double(flow.values[2 * p + 1])
            guard u.isFinite, v.isFinite else { continue }
            levels[p] = UInt8(max(0, min(255, ((u * u + v * v).squareRoot() / top * 255).rounded())))
        }
        return try ImageCodec.colorMapped(GrayImage(width: flow.width, height: flow.height, pixels: levels), .inferno)
    }
}
