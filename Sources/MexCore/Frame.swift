import Foundation

/// One decoded video frame, as it leaves the source stage.
public struct Frame: Sendable {
    /// 0-based position in the stream, counting frames delivered (not dropped ones).
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
