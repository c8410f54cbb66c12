import Foundation

/// One decoded video frame, as it leaves the source stage.
public struct Frame: Sendable {
    /// 0-based position in the stream, numbered as the source captured or decoded
    /// the frames: a frame lost on the way (dropped from a live source's queue,
    /// skipped by the camera's driver, damaged) leaves its index out.
    public let index: Int
    /// Presentation time in seconds from the start of the stream, from the decoder's
    /// own timestamps (so variable-frame-rate files keep their real timing).
    public let pts: Double
    /// Wall-clock capture time; set for live sources only.
    public let wallTime: Date?
    public let image: GrayImage

    public init(index: Int, pts: Double, wallTime: Date? = nil, image: GrayImage) {
        self.index = index
        self.pts = pts
        self.wallTime = wallTime
        self.image = image
    }
}
