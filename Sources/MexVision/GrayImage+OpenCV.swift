import CMexVision
import MexCore

extension GrayImage {
    /// Lends the pixels to a mexvision call as a `mexv_gray` view (no copy).
    public func withView<R, E: Error>(_ body: (mexv_gray) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = pixels.withUnsafeBufferPointer { buffer in
            let view = mexv_gray(pixels: buffer.baseAddress, width: Int32(width), height: Int32(height), stride: Int32(width))
            do { return .success(try body(view)) } catch { return .failure(error as! E) }
        }
        return try result.get()
    }

    /// This image resized with OpenCV (INTER_AREA when shrinking, INTER_LINEAR otherwise).
    public func resized(width newWidth: Int, height newHeight: Int) throws(VisionError) -> GrayImage {
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        try withView { (view: mexv_gray) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (dst: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = dst.baseAddress
                try VisionError.check("resize") { mexv_resize(view, Int32(newWidth), Int32(newHeight), base, $0, $1) }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }

    public enum Interpolation: Int32, Sendable {
        /// Bilinear (cv::INTER_LINEAR): face crops, as Training/ makes them.
        case linear = 0
        /// Pixel-area averaging (cv::INTER_AREA): shrinking without aliasing.
        case area = 1
    }

    /// The integer rectangle of `box` that lies inside this image, if any.
    public func clip(_ box: FaceBox) -> (x: Int, y: Int, width: Int, height: Int)? {
        let r = box.rounded
        let x0 = max(0, r.x), y0 = max(0, r.y)
        let x1 = min(width, r.x + r.width), y1 = min(height, r.y + r.height)
        return x1 > x0 && y1 > y0 ? (x0, y0, x1 - x0, y1 - y0) : nil
    }

    /// The part of the image inside `box` (clipped to the image) resampled to
    /// outWidth x outHeight.
    public func resample(_ box: FaceBox, width outWidth: Int, height outHeight: Int,
                         interpolation: Interpolation) throws(VisionError) -> GrayImage {
        guard let r = clip(box) else { throw VisionError("crop", "box \(box) lies outside the \(width)x\(height) image") }
        var out = [UInt8](repeating: 0, count: outWidth * outHeight)
        try withView { (view: mexv_gray) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (dst: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = dst.baseAddress
                let cbox = mexv_box(x: Int32(r.x), y: Int32(r.y), width: Int32(r.width), height: Int32(r.height), neighbours: 0)
                try VisionError.check("crop") {
                    mexv_crop_resize(view, cbox, Int32(outWidth), Int32(outHeight), interpolation.rawValue, base, $0, $1)
                }
            }
        }
        return GrayImage(width: outWidth, height: outHeight, pixels: out)
    }

    /// This image resampled through an affine map into an image of `width` x `height`
    /// (this one's size by default): output pixel (x, y) takes this image at
    /// (m0 x + m1 y + m2, m3 x + m4 y + m5), bilinear, border replicated.
    public func warped(_ m: [Double], width outWidth: Int? = nil, height outHeight: Int? = nil) throws(VisionError) -> GrayImage {
        guard m.count == 6 else { throw VisionError("warp", "an affine map has 6 coefficients, not \(m.count)") }
        let w = outWidth ?? width, h = outHeight ?? height
        var out = [UInt8](repeating: 0, count: w * h)
        try withView { (view: mexv_gray) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (dst: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = dst.baseAddress
                try VisionError.check("warp") { error, size in
                    m.withUnsafeBufferPointer { mexv_warp_affine(view, $0.baseAddress, Int32(w), Int32(h), base, error, size) }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// The classifier's face crop, as Training's `crop_face` makes it
    /// (docs/ARCHITECTURE.md section 3.5): the box clipped to the image, resized to
    /// size x size with bilinear interpolation.
    public func crop(_ box: FaceBox, size: Int) throws(VisionError) -> GrayImage {
        try resample(box, width: size, height: size, interpolation: .linear)
    }
}
