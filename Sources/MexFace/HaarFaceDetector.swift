import CMexVision
import Foundation
import MexCore
import MexVision

/// One face found in a frame.
public struct DetectedFace: Sendable, Equatable {
    public var box: FaceBox
    /// How many overlapping cascade windows agreed (Viola-Jones "neighbours").
    public var support: Int

    /// A 0..1 confidence from the support: 1 - exp(-support / 8). Frontal faces in
    /// good light gather 15 to 60 windows; 5 (the acceptance threshold) gives 0.46.
    public var confidence: Double { 1 - exp(-Double(support) / 8) }
}

/// Viola-Jones face detection with OpenCV's frontal-face cascade (opencv-data).
///
/// Chosen on measurements on this machine kind (issue 4 note): 33 ms at 320x240 for a
/// whole frame, but a few ms for the small search window around a tracked face, which
/// is what runs on most frames. Not thread-safe: one per source pipeline.
public final class HaarFaceDetector {
    public static let defaultCascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

    public struct Parameters: Sendable, Equatable {
        /// Pyramid step; 1.1 is OpenCV's default and Training/'s.
        public var scaleFactor = 1.1
        /// Overlapping windows needed to accept a face; 5 as in Training/.
        public var minNeighbours = 5
        public init() {}
    }

    private let cascade: OpaquePointer
    public let parameters: Parameters

    public init(cascadePath: String = HaarFaceDetector.defaultCascade, parameters: Parameters = Parameters()) throws(VisionError) {
        guard FileManager.default.fileExists(atPath: cascadePath) else {
            throw VisionError("face detector", "\(cascadePath): no such file; install Debian's opencv-data")
        }
        var handle: OpaquePointer?
        try VisionError.check("face detector \(cascadePath)") { error, size in
            handle = mexv_cascade_load(cascadePath, error, size)
            return handle == nil ? -1 : 0
        }
        cascade = handle!
        self.parameters = parameters
    }

    deinit { mexv_cascade_free(cascade) }

    /// Faces of `minSize` to `maxSize` pixels (0: no limit), largest first, optionally only inside `region`.
    public func detect(in image: GrayImage, region: FaceBox? = nil, minSize: Int, maxSize: Int = 0,
                       scaleFactor: Double? = nil, minNeighbours: Int? = nil) throws(VisionError) -> [DetectedFace] {
        var boxes = [mexv_box](repeating: mexv_box(), count: 16)
        var roi = region.map { r -> mexv_box in
            let i = r.rounded
            return mexv_box(x: Int32(i.x), y: Int32(i.y), width: Int32(i.width), height: Int32(i.height), neighbours: 0)
        }
        let capacity = Int32(boxes.count)
        let found = try image.withView { (view: mexv_gray) throws(VisionError) -> Int32 in
            try boxes.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<mexv_box>) throws(VisionError) -> Int32 in
                let base = out.baseAddress
                return try withUnsafePointer(to: &roi) { roiPointer throws(VisionError) -> Int32 in
                    let roiArgument: UnsafePointer<mexv_box>? = region == nil ? nil : UnsafeRawPointer(roiPointer).assumingMemoryBound(to: mexv_box.self)
                    return try VisionError.check("face detection") {
                        mexv_cascade_detect(cascade, view, roiArgument, scaleFactor ?? parameters.scaleFactor, Int32(minNeighbours ?? parameters.minNeighbours),
                                            Int32(minSize), Int32(maxSize), base, capacity, $0, $1)
                    }
                }
            }
        }
        return boxes.prefix(Int(min(found, capacity))).map {
            DetectedFace(box: FaceBox(x: Double($0.x), y: Double($0.y), width: Double($0.width), height: Double($0.height)),
                         support: Int($0.neighbours))
        }
    }
}
