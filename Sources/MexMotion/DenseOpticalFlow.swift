import CMexVision
import MexCore
import MexVision

/// A dense optical flow field: (u, v) per pixel, interleaved, in pixels.
public struct FlowField: Sendable {
    public let width: Int
    public let height: Int
    /// width * height * 2 floats: u0, v0, u1, v1, ...
    public var values: [Float]

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        values = [Float](repeating: 0, count: width * height * 2)
    }

    public func u(_ x: Int, _ y: Int) -> Float { values[2 * (y * width + x)] }
    public func v(_ x: Int, _ y: Int) -> Float { values[2 * (y * width + x) + 1] }
}

/// OpenCV's dense optical flow, computed into a caller-owned `FlowField`.
///
/// - DIS (Kroeger et al. 2016) is cheap enough for every frame: the motion score the
///   spotter reads (docs/ARCHITECTURE.md section 3.3).
/// - TV-L1 with OpenCV's default parameters is what the classifier was trained on
///   (paper section 4.2; Training/mextrain/preprocess.py); it runs once per event.
///
/// Not thread-safe (the algorithms keep internal buffers): one instance per thread.
public final class DenseOpticalFlow {
    public enum Method: Sendable, Equatable {
        /// DIS with a preset; `finestScale` overrides the pyramid level it stops at
        /// (the fast preset stops at level 2, a quarter of the resolution).
        case dis(Preset, finestScale: Int? = nil)
        case tvl1
    }

    /// cv::DISOpticalFlow presets.
    public enum Preset: Int32, Sendable {
        case ultrafast = 0, fast = 1, medium = 2
    }

    public let method: Method
    private let handle: OpaquePointer

    public init(_ method: Method) throws(VisionError) {
        self.method = method
        var created: OpaquePointer?
        try VisionError.check("optical flow") { error, size in
            switch method {
            case .dis(let preset, let finest): created = mexv_flow_create(0, preset.rawValue, Int32(finest ?? -1), error, size)
            case .tvl1: created = mexv_flow_create(1, 0, -1, error, size)
            }
            return created == nil ? -1 : 0
        }
        handle = created!
    }

    deinit { mexv_flow_free(handle) }

    /// Flow from `from` to `to` (same size), written into `field` without copies.
    public func compute(from: GrayImage, to: GrayImage, into field: inout FlowField) throws(VisionError) {
        guard from.width == to.width, from.height == to.height, field.width == from.width, field.height == from.height else {
            throw VisionError("optical flow", "images \(from.width)x\(from.height) and \(to.width)x\(to.height), field \(field.width)x\(field.height): sizes differ")
        }
        try from.withView { (a: mexv_gray) throws(VisionError) in
            try to.withView { (b: mexv_gray) throws(VisionError) in
                try field.values.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<Float>) throws(VisionError) in
                    let base = out.baseAddress
                    try VisionError.check("optical flow") { mexv_flow_calc(handle, a, b, base, $0, $1) }
                }
            }
        }
    }

    /// Convenience: a new field.
    public func compute(from: GrayImage, to: GrayImage) throws(VisionError) -> FlowField {
        var field = FlowField(width: from.width, height: from.height)
        try compute(from: from, to: to, into: &field)
        return field
    }
}
