import CMexVision
import MexCore

/// JPEG and PNG in memory, and colour maps, through OpenCV (libjpeg, libpng): the
/// pictures of reports and journal snapshots, and decoding them back in tests.
public enum ImageCodec {
    public enum Format: Sendable, Equatable {
        case jpeg(quality: Int)
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

        var code: (format: Int32, quality: Int32) {
            switch self {
            case .jpeg(let quality): (Int32(MEXV_FORMAT_JPEG), Int32(max(0, min(100, quality))))
            case .png: (Int32(MEXV_FORMAT_PNG), 0)
            }
        }
    }

    /// OpenCV's colour maps (cv::ColormapTypes).
    public enum ColorMap: Int32, Sendable {
        case jet = 2
        case viridis = 16
        case inferno = 14
    }

    public static func encode(_ image: GrayImage, as format: Format) throws(VisionError) -> [UInt8] {
        try encode(image.pixels, width: image.width, height: image.height, channels: 1, format: format)
    }

    public static func encode(_ image: ColorImage, as format: Format) throws(VisionError) -> [UInt8] {
        try encode(image.pixels, width: image.width, height: image.height, channels: 3, format: format)
    }

    public static func decodeGray(_ bytes: [UInt8]) throws(VisionError) -> GrayImage {
        let (pixels, width, height) = try decode(bytes, channels: 1)
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    public static func decodeColor(_ bytes: [UInt8]) throws(VisionError) -> ColorImage {
        let (pixels, width, height) = try decode(bytes, channels: 3)
        return ColorImage(width: width, height: height, pixels: pixels)
    }

    /// Gray levels through one of OpenCV's colour maps.
    public static func colorMapped(_ image: GrayImage, _ map: ColorMap) throws(VisionError) -> ColorImage {
        var out = [UInt8](repeating: 0, count: image.width * image.height * 3)
        try image.withView { (view: mexv_gray) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (buffer: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = buffer.baseAddress
                _ = try VisionError.check("colour map") { mexv_color_map(view, map.rawValue, base, $0, $1) }
            }
        }
        return ColorImage(width: image.width, height: image.height, pixels: out)
    }

    private static func encode(_ pixels: [UInt8], width: Int, height: Int, channels: Int32, format: Format) throws(VisionError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        var size = 0
        let code = format.code
        try pixels.withUnsafeBufferPointer { (input: UnsafeBufferPointer<UInt8>) throws(VisionError) in
            _ = try VisionError.check("encode \(format.fileExtension)") {
                mexv_encode(input.baseAddress, Int32(width), Int32(height), channels, code.format, code.quality, &buffer, &size, $0, $1)
            }
        }
        guard let buffer else { throw VisionError("encode \(format.fileExtension)", "no output") }
        defer { mexv_buffer_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: size))
    }

    private static func decode(_ bytes: [UInt8], channels: Int32) throws(VisionError) -> ([UInt8], Int, Int) {
        guard !bytes.isEmpty else { throw VisionError("decode", "no bytes") }
        var buffer: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0
        try bytes.withUnsafeBufferPointer { (input: UnsafeBufferPointer<UInt8>) throws(VisionError) in
            _ = try VisionError.check("decode") {
                mexv_decode(input.baseAddress, input.count, channels, &buffer, &width, &height, $0, $1)
            }
        }
        guard let buffer else { throw VisionError("decode", "no output") }
        defer { mexv_buffer_free(buffer) }
        return (Array(UnsafeBufferPointer(start: buffer, count: Int(width) * Int(height) * Int(channels))), Int(width), Int(height))
    }
}
