import Logging
import MexCore

/// Opens the right producer for a location: a V4L2 camera for /dev/video* nodes,
/// FFmpeg for everything else.
public struct SourceOpener: Sendable {
    public var ffmpeg = FFmpegOptions()
    public var camera = V4L2CaptureOptions()

    public init() {}

    public func open(_ location: String, logger: Logger) throws(SourceError) -> any FrameProducer {
        switch SourceKind.of(location: location) {
        case .v4l2:
            return try V4L2Capture(device: SystemV4L2Device.open(location), options: camera, logger: logger)
        case .file, .rtsp:
            return try FFmpegVideoReader(location: location, options: ffmpeg, logger: logger)
        }
    }

    /// Files never drop frames; live sources, and files played as one (`live`,
    /// `PacedProducer`), drop the oldest queued frame when the pipeline falls behind
    /// (docs/ARCHITECTURE.md section 6).
    public static func overflowPolicy(for kind: SourceKind, live: Bool = false) -> OverflowPolicy {
        kind == .file && !live ? .block : .dropOldest
    }
}
