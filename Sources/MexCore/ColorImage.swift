/// 8-bit RGB, interleaved, rows packed (stride == 3 * width).
///
/// The pipeline itself works on gray; color is for pictures people look at: flow
/// fields through a color map, crops and frames in a report.
public struct ColorImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// width * height * 3 bytes: R, G, B of each pixel, left to right, top to bottom.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "ColorImage: \(pixels.count) bytes for \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The gray image in color: each level repeated in R, G and B.
    public init(gray: GrayImage) {
        var rgb = [UInt8](repeating: 0, count: gray.pixels.count * 3)
        for (i, level) in gray.pixels.enumerated() {
            rgb[3 * i] = level
            rgb[3 * i + 1] = level
            rgb[3 * i + 2] = level
        }
        self.init(width: gray.width, height: gray.height, pixels: rgb)
    }

    /// The (red, green, blue) of pixel (x, y).
    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let i = 3 * (y * width + x)
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}
