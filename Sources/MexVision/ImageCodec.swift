import CMexVision
import MexCore

/// JPEG and PNG files of gray and color images, and gray images through color maps,
/// all by OpenCV (imgcodecs over libjpeg and libpng; imgproc's color maps).
public enum ImageCodec {
    public enum Format: Sendable, Equatable {
        /// Lossy; `quality` 0-100 as libjpeg takes it (OpenCV's default is 95).
        case jpeg(quality: Int)
        /// Lossless.
        case png

        public var fileExtension: String {
            switch self {
            case .jpeg: "jpg"
            case .png: "png"
            }
        }

        public var mimeType: String {
            switch self {
            case .jpeg: "image/jpeg"
            case .png: "image/png"
            }
        }

        /// mexvision's format code and quality.
        var arguments: (format: Int32, quality: Int32) {
            switch self {
            case .jpeg(let quality): (Int32(MEXV_FORMAT_JPEG), Int32(clamping: quality))
            case .png: (Int32(MEXV_FORMAT_PNG), 0)
            }
        }
    }

    public static func encode(_ image: GrayImage, as format: Format) throws(VisionError) -> [UInt8] {
        let (code, quality) = format.arguments
        return try image.withView { (view: mexv_gray) throws(VisionError) in
            try allocatedBytes("encode") { out, size, error, errorSize in
                mexv_encode_gray(view, code, quality, out, size, error, errorSize)
            }
        }
    }

    public static func encode(_ image: ColorImage, as format: Format) throws(VisionError) -> [UInt8] {
        let (code, quality) = format.arguments
        return try image.withView { (view: mexv_rgb) throws(VisionError) in
            try allocatedBytes("encode") { out, size, error, errorSize in
                mexv_encode_rgb(view, code, quality, out, size, error, errorSize)
            }
        }
    }

    /// A JPEG or PNG file's picture in gray (color pictures converted by OpenCV's luma weights).
    public static func decodeGray(_ bytes: [UInt8]) throws(VisionError) -> GrayImage {
        let (width, height, pixels) = try decode(bytes, channels: 1)
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// A JPEG or PNG file's picture in RGB (gray pictures with each level repeated).
    public static func decodeColor(_ bytes: [UInt8]) throws(VisionError) -> ColorImage {
        let (width, height, pixels) = try decode(bytes, channels: 3)
        return ColorImage(width: width, height: height, pixels: pixels)
    }

    /// OpenCV's color maps (cv::COLORMAP_*): 0 is the map's first color, 255 its last.
    public enum ColorMap: Sendable {
        /// Black through purple and orange to pale yellow; brightness rises with the level.
        case inferno
        /// Dark blue through green to yellow; brightness rises with the level.
        case viridis
        /// Blue through cyan, yellow and red.
        case jet

        var code: Int32 {
            switch self {
            case .inferno: Int32(MEXV_COLORMAP_INFERNO)
            case .viridis: Int32(MEXV_COLORMAP_VIRIDIS)
            case .jet: Int32(MEXV_COLORMAP_JET)
            }
        }
    }

    /// Each gray level of `image` replaced by its color in `map`.
    public static func colorMapped(_ image: GrayImage, _ map: ColorMap) throws(VisionError) -> ColorImage {
        var out = [UInt8](repeating: 0, count: image.pixels.count * 3)
        try image.withView { (view: mexv_gray) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (dst: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = dst.baseAddress
                try VisionError.check("color map") { mexv_color_map(view, map.code, base, $0, $1) }
            }
        }
        return ColorImage(width: image.width, height: image.height, pixels: out)
    }

    private static func decode(_ bytes: [UInt8], channels: Int32) throws(VisionError) -> (Int, Int, [UInt8]) {
        guard !bytes.isEmpty else { throw VisionError("decode", "no bytes to decode") }
        var width: Int32 = 0, height: Int32 = 0
        let pixels = try bytes.withUnsafeBufferPointer { (input: UnsafeBufferPointer<UInt8>) throws(VisionError) in
            try allocatedBytes("decode") { out, size, error, errorSize in
                let status = mexv_decode(input.baseAddress, input.count, channels, out, &width, &height, error, errorSize)
                size.pointee = Int(width) * Int(height) * Int(channels)
                return status
            }
        }
        return (Int(width), Int(height), pixels)
    }

    /// Calls a mexvision function that returns a buffer it allocated (its address in
    /// the first argument, its size in the second) and copies the bytes out before
    /// releasing the buffer.
    private static func allocatedBytes(
        _ operation: String,
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
                 UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws(VisionError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        var size = 0
        defer { mexv_free_buffer(buffer) }
        try VisionError.check(operation) { body(&buffer, &size, $0, $1) }
        guard let buffer else { throw VisionError(operation, "mexvision returned no buffer") }
        return [UInt8](UnsafeBufferPointer(start: buffer, count: size))
    }
}

extension ColorImage {
    /// Lends the pixels to a mexvision call as a `mexv_rgb` view (no copy).
    func withView<R>(_ body: (mexv_rgb) throws(VisionError) -> R) throws(VisionError) -> R {
        try pixels.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(VisionError) in
            try body(mexv_rgb(pixels: buffer.baseAddress, width: Int32(width), height: Int32(height), stride: Int32(3 * width)))
        }
    }
}
