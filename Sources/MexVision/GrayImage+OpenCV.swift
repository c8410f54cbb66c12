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

    /// The square `box` (clipped to the image) resized to size x size, bilinear: the
    /// face crop of DESIGN.md section 1 and Training's `crop_face`.
    public func crop(_ box: FaceBox, size: Int) throws(VisionError) -> GrayImage {
        let r = box.rounded
        var out = [UInt8](repeating: 0, count: size * size)
        try withView { (view: mexv_gray) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (dst: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = dst.baseAddress
                let cbox = mexv_box(x: Int32(r.x), y: Int32(r.y), width: Int32(r.width), height: Int32(r.height), neighbours: 0)
                try VisionError.check("crop") { mexv_crop_resize(view, cbox, Int32(size), base, $0, $1) }
            }
        }
        return GrayImage(width: size, height: size, pixels: out)
    }
}
