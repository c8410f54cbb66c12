/// What a source knows about its stream once it is open.
public struct StreamInfo: Sendable, Equatable {
    public var kind: SourceKind
    public var location: String
    public var width: Int
    public var height: Int
    /// Nominal frame rate (the container's or the camera's); variable-rate streams
    /// report their average, and frames carry their own pts.
    public var fps: Double?
    /// Codec or camera pixel format, e.g. "h264", "YUYV".
    public var format: String
    /// Duration in seconds when the container states one.
    public var duration: Double?

    public init(kind: SourceKind, location: String, width: Int, height: Int,
                fps: Double?, format: String, duration: Double? = nil) {
        self.kind = kind
        self.location = location
        self.width = width
        self.height = height
        self.fps = fps
        self.format = format
        self.duration = duration
    }
}
