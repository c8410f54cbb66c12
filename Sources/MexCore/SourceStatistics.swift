/// What a source counted while it ran.
public struct SourceStatistics: Sendable, Equatable {
    public enum EndReason: String, Sendable, Equatable {
        case running
        /// The stream ended where the container says it ends.
        case endOfStream = "eof"
        /// The stream ended early: a truncated file or a failed read.
        case truncated
        /// `interrupt()` or the consumer stopped it.
        case stopped
        case error
    }
    public var frames = 0
    /// Packets the demuxer or decoder rejected; skipped, not fatal.
    public var corruptPackets = 0
    /// Frames the decoder flagged as damaged (concealed errors) but still delivered.
    public var corruptFrames = 0
    /// Frames lost before they reached the pipeline (driver sequence gaps, full queue).
    public var droppedFrames = 0
    /// Transient device errors (EIO) that were retried.
    public var transientErrors = 0
    public var endReason: EndReason = .running
    public var warnings: [String] = []

    public init() {}
}
