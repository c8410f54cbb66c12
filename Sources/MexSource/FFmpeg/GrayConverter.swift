import CFFmpeg
import MexCore

/// Turns a decoded AVFrame into an 8-bit full-range gray image.
///
/// mexd's gray is full-range luma (0-255) whatever the source, the same as a JPEG
/// frame read as gray (how the data sets' frames reach Training/) and as swscale's
/// GRAY8 output. Planar and semi-planar YUV frames hold luma in plane 0: full-range
/// ones (yuvj*, color_range JPEG) are copied as they are, limited-range ones (16-235,
/// most video) are stretched through a table, round((Y - 16) * 255 / 219), which is
/// bit-for-bit what swscale computes. Any other pixel format goes through swscale.
final class GrayConverter {
    struct ConversionError: Error { let message: String }

    private var scaler: OpaquePointer?

    /// Limited-range (16-235) luma to full range, clamped.
    private static let expandLimitedRange: [UInt8] = (0..<256).map { y in
        UInt8(max(0, min(255, (Double(y - 16) * 255 / 219).rounded())))
    }

    /// YUV formats whose luma is full range by definition.
    private static let fullRangeFormats: Set<Int32> = [
        AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_GRAY8,
    ].reduce(into: []) { $0.insert($1.rawValue) }

    deinit { sws_freeContext(scaler) }

    /// Formats whose first plane is 8-bit luma at full resolution.
    private static let lumaPlaneFormats: Set<Int32> = [
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P,
        AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV440P, AV_PIX_FMT_YUVJ440P,
        AV_PIX_FMT_YUV411P, AV_PIX_FMT_YUV410P, AV_PIX_FMT_YUVA420P, AV_PIX_FMT_NV12,
        AV_PIX_FMT_NV21, AV_PIX_FMT_NV16, AV_PIX_FMT_NV24, AV_PIX_FMT_GRAY8,
    ].reduce(into: []) { $0.insert($1.rawValue) }

    func convert(_ frame: UnsafeMutablePointer<AVFrame>) throws(ConversionError) -> GrayImage {
        let width = Int(frame.pointee.width)
        let height = Int(frame.pointee.height)
        guard width > 0, height > 0 else { throw ConversionError(message: "frame has no size") }
        // A decoder may change size mid-stream; the reader checked only the first.
        guard width <= Int(FFmpegVideoReader.maximumSide), height <= Int(FFmpegVideoReader.maximumSide) else {
            throw ConversionError(message: "frame size \(width)x\(height) is over \(FFmpegVideoReader.maximumSide) pixels a side")
        }
        if Self.lumaPlaneFormats.contains(frame.pointee.format), let plane = frame.pointee.data.0 {
            let stride = Int(frame.pointee.linesize.0)
            let full = Self.fullRangeFormats.contains(frame.pointee.format) || frame.pointee.color_range == AVCOL_RANGE_JPEG
            if full { return GrayImage(width: width, height: height, plane: plane, stride: stride) }
            let pixels = [UInt8](unsafeUninitializedCapacity: width * height) { out, count in
                Self.expandLimitedRange.withUnsafeBufferPointer { table in
                    for row in 0..<height {
                        let src = plane + row * stride
                        let dst = out.baseAddress! + row * width
                        for x in 0..<width { dst[x] = table[Int(src[x])] }
                    }
                }
                count = width * height
            }
            return GrayImage(width: width, height: height, pixels: pixels)
        }
        let source = AVPixelFormat(rawValue: frame.pointee.format)
        scaler = sws_getCachedContext(scaler, Int32(width), Int32(height), source,
                                      Int32(width), Int32(height), AV_PIX_FMT_GRAY8,
                                      SWS_POINT, nil, nil, nil)
        guard let scaler else {
            let name = av_get_pix_fmt_name(source).map { String(cString: $0) } ?? "unknown"
            throw ConversionError(message: "cannot convert pixel format \(name) to gray")
        }
        var pixels = [UInt8](repeating: 0, count: width * height)
        let rows = pixels.withUnsafeMutableBufferPointer { out -> Int32 in
            var destination: UnsafeMutablePointer<UInt8>? = out.baseAddress
            var stride = Int32(width)
            return withUnsafePointer(to: &frame.pointee.data) { data in
                withUnsafePointer(to: &frame.pointee.linesize) { linesize in
                    data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { planes in
                        linesize.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                            sws_scale(scaler, planes, strides, 0, Int32(height), &destination, &stride)
                        }
                    }
                }
            }
        }
        guard rows == Int32(height) else { throw ConversionError(message: "swscale returned \(rows) of \(height) rows") }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}
