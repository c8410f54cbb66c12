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

    /// Mean intensity, for tests and health checks.
    public var mean: Double {
        var sum = 0
        for p in pixels { sum += Int(p) }
        return Double(sum) / Double(pixels.count)
    }
}
