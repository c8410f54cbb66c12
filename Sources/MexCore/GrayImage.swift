/// An 8-bit single-channel image, rows packed without padding (stride == width).
///
/// Gray is what every later stage works on (face detection, flow, the classifier's
/// inputs), so sources convert once, here, and nothing downstream converts again.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height,
                     "GrayImage: \(pixels.count) pixels for \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Copies `height` rows of `width` bytes from a strided plane.
    public init(width: Int, height: Int, plane: UnsafeRawPointer, stride: Int) {
        self.width = width
        self.height = height
        self.pixels = [UInt8](unsafeUninitializedCapacity: width * height) { out, count in
            let dst = UnsafeMutableRawPointer(out.baseAddress!)
            if stride == width {
                dst.copyMemory(from: plane, byteCount: width * height)
            } else {
                for row in 0..<height {
                    (dst + row * width).copyMemory(from: plane + row * stride, byteCount: width)
                }
            }
            count = width * height
        }
    }

    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// Mean intensity.
    public var mean: Double {
        var sum = 0
        for p in pixels { sum += Int(p) }
        return Double(sum) / Double(pixels.count)
    }

    /// The image with every pixel multiplied by one gain, so that its mean is `target`
    /// (rounded, clipped to 0...255): a change of exposure or lighting undone. The
    /// image itself when it is black or the gain is within 0.1 % of 1.
    public func scaled(toMean target: Double) -> GrayImage {
        let m = mean
        guard m > 1, abs(target / m - 1) > 0.001 else { return self }
        let gain = target / m
        var table = [UInt8](repeating: 0, count: 256)
        for i in 0..<256 { table[i] = UInt8(min(255, max(0, (Double(i) * gain).rounded()))) }
        var out = self
        for i in out.pixels.indices { out.pixels[i] = table[Int(out.pixels[i])] }
        return out
    }
}
