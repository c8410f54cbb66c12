/// An 8-bit RGB image, channels interleaved, rows packed (stride == 3 * width): the
/// pictures mexd draws (flow colour coding, colour maps) before they are encoded.
public struct ColorImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// width * height * 3 bytes: r, g, b, r, g, b, ...
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "ColorImage: \(pixels.count) bytes for \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A gray image in colour: each level in all three channels.
    public init(gray: GrayImage) {
        var pixels = [UInt8](repeating: 0, count: gray.pixels.count * 3)
        for (i, level) in gray.pixels.enumerated() {
            pixels[3 * i] = level
            pixels[3 * i + 1] = level
            pixels[3 * i + 2] = level
        }
        self.init(width: gray.width, height: gray.height, pixels: pixels)
    }
}
