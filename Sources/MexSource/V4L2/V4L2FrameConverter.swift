import MexCore

/// Extracts 8-bit luma from a filled V4L2 buffer.
struct V4L2FrameConverter {
    let format: V4L2PixelFormat
    private let jpeg: JPEGDecoder?

    struct ConversionError: Error { let message: String }

    init(format: V4L2PixelFormat) throws(ConversionError) {
        self.format = format
        switch format.pixelFormat {
        case .mjpeg, .jpeg:
            do { jpeg = try JPEGDecoder() } catch { throw ConversionError(message: error.message) }
        case .grey, .yuyv, .uyvy, .nv12, .nv21, .yuv420, .yvu420:
            jpeg = nil
        default:
            throw ConversionError(message: "pixel format \(format.pixelFormat) is not supported")
        }
    }

    /// Bytes per row of the first plane, as the driver reported it or as implied.
    private var stride: Int {
        if format.bytesPerLine > 0 { return format.bytesPerLine }
        switch format.pixelFormat {
        case .yuyv, .uyvy: return format.width * 2
        default: return format.width
        }
    }

    func convert(_ data: UnsafeRawBufferPointer) throws(ConversionError) -> GrayImage {
        let width = format.width, height = format.height
        switch format.pixelFormat {
        case .mjpeg, .jpeg:
            do { return try jpeg!.decode(data) } catch { throw ConversionError(message: error.message) }
        case .yuyv, .uyvy:
            // Packed 4:2:2: Y0 U Y1 V (YUYV) or U Y0 V Y1 (UYVY); luma every other byte.
            try requireBytes(stride * (height - 1) + 2 * width, in: data)
            let offset = format.pixelFormat == .yuyv ? 0 : 1
            let pixels = [UInt8](unsafeUninitializedCapacity: width * height) { out, count in
                for y in 0..<height {
                    let row = data.baseAddress! + y * stride + offset
                    for x in 0..<width { out[y * width + x] = row.load(fromByteOffset: 2 * x, as: UInt8.self) }
                }
                count = width * height
            }
            return GrayImage(width: width, height: height, pixels: pixels)
        default:
            // GREY and the planar/semi-planar YUV formats: luma is the first plane.
            try requireBytes(stride * (height - 1) + width, in: data)
            return GrayImage(width: width, height: height, plane: data.baseAddress!, stride: stride)
        }
    }

    private func requireBytes(_ needed: Int, in data: UnsafeRawBufferPointer) throws(ConversionError) {
        guard data.count >= needed else {
            throw ConversionError(message: "short buffer: \(data.count) bytes, \(needed) needed for \(format.width)x\(format.height) \(format.pixelFormat)")
        }
    }
}
