import CMexVision
import MexCore
import MexVision

/// The SKD-TSTSAN input for one event: (38, 48, 48) float32, channel-first.
///
/// Channels (reference-code notes section 1): 0 apex face, 1 onset face, 2-17 apex
/// 4x4 grid, 18-33 onset grid, 34/35 TV-L1 flow onset->apex (u, v), 36/37 apex->offset.
/// Built by the C++ bridge with the same OpenCV calls, in the same order, as
/// Training/mextrain/preprocess.py's `tensor_from_faces`.
public struct ClassifierInput: Sendable {
    public static let channels = 38
    public static let side = 48
    public static let faceSide = 128
    public static let count = channels * side * side

    public var values: [Float]

    public init(values: [Float]) {
        precondition(values.count == Self.count, "a classifier input has 38x48x48 values")
        self.values = values
    }

    /// Builds the tensor from three 128x128 gray face crops of one track. Two TV-L1
    /// flows run here (about 0.1 s each on one core): call it off the frame path.
    public init(onset: GrayImage, apex: GrayImage, offset: GrayImage,
                jpegRoundtrip: Bool = true, polarRoundtrip: Bool = true) throws(VisionError) {
        for (name, face) in [("onset", onset), ("apex", apex), ("offset", offset)]
        where face.width != Self.faceSide || face.height != Self.faceSide {
            throw VisionError("classifier input", "\(name) face is \(face.width)x\(face.height), not 128x128")
        }
        var values = [Float](repeating: 0, count: Self.count)
        try values.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<Float>) throws(VisionError) in
            let base = out.baseAddress
            try onset.pixels.withUnsafeBufferPointer { (a: UnsafeBufferPointer<UInt8>) throws(VisionError) in
                try apex.pixels.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(VisionError) in
                    try offset.pixels.withUnsafeBufferPointer { (c: UnsafeBufferPointer<UInt8>) throws(VisionError) in
                        _ = try VisionError.check("classifier input") {
                            mexv_classifier_input(a.baseAddress, b.baseAddress, c.baseAddress,
                                                  jpegRoundtrip ? 1 : 0, polarRoundtrip ? 1 : 0, base, $0, $1)
                        }
                    }
                }
            }
        }
        self.values = values
    }

    /// The three faces as the classifier's training data saw them: with `jpegRoundtrip`,
    /// each 128x128 crop goes through JPEG q95 as the data sets' face crops did (the
    /// authors wrote them as .jpg; Training/'s preprocess_clip does the same), then the
    /// tensor is built. This is what mexd runs for an event.
    public static func forEvent(onset: GrayImage, apex: GrayImage, offset: GrayImage,
                                jpegRoundtrip: Bool, polarRoundtrip: Bool) throws(VisionError) -> ClassifierInput {
        guard jpegRoundtrip else {
            return try ClassifierInput(onset: onset, apex: apex, offset: offset, jpegRoundtrip: false, polarRoundtrip: polarRoundtrip)
        }
        return try ClassifierInput(onset: jpeg(onset), apex: jpeg(apex), offset: jpeg(offset),
                                   jpegRoundtrip: true, polarRoundtrip: polarRoundtrip)
    }

    static func jpeg(_ face: GrayImage) throws(VisionError) -> GrayImage {
        guard face.width == face.height else { throw VisionError("JPEG round trip", "face is not square") }
        var out = [UInt8](repeating: 0, count: face.pixels.count)
        let side = face.width
        try face.pixels.withUnsafeBufferPointer { (input: UnsafeBufferPointer<UInt8>) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (output: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = output.baseAddress
                _ = try VisionError.check("JPEG round trip") { mexv_jpeg_roundtrip(input.baseAddress, Int32(side), 95, base, $0, $1) }
            }
        }
        return GrayImage(width: side, height: side, pixels: out)
    }

    /// One 48x48 channel.
    public func channel(_ c: Int) -> ArraySlice<Float> {
        values[(c * Self.side * Self.side)..<((c + 1) * Self.side * Self.side)]
    }
}
