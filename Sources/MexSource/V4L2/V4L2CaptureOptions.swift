/// What `V4L2Capture` asks the camera for, and how long it waits.
public struct V4L2CaptureOptions: Sendable, Equatable {
    public var width = 640
    public var height = 480
    public var fps = 30.0
    /// mmap buffers; 4 lets the driver fill one while mexd reads another with slack.
    public var bufferCount = 4
    /// No frame for this long counts as a stall (mexd.toml's stall_timeout;
    /// docs/ARCHITECTURE.md section 9).
    public var stallTimeout = 5.0
    /// A run of this many EIO errors in a row is no longer transient.
    public var maxConsecutiveErrors = 10
    /// V4L2 controls to set after the format, by `V4L2Control.key` (mexd.toml's
    /// `controls`). Unknown names and refused values are warnings, not failures.
    public var controls: [String: Int] = [:]
    /// Formats in order of preference. GREY needs no conversion, YUYV and the planar
    /// YUV formats carry luma at full resolution, and MJPEG costs a JPEG decode.
    public var preferredFormats: [FourCC] = [.grey, .yuyv, .uyvy, .nv12, .nv21, .yuv420, .yvu420, .mjpeg, .jpeg]

    public init() {}
}
