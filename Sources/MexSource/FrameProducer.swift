import MexCore

/// A source that produces frames by blocking calls: a decoder or a camera.
///
/// A producer is driven by one thread at a time (the `FrameStream` that owns it).
/// Only `interrupt()` may be called from another thread.
public protocol FrameProducer: AnyObject {
    var info: StreamInfo { get }
    /// The next frame, or nil at the end of the stream. Blocks.
    func nextFrame() throws(SourceError) -> Frame?
    /// Counters and the end reason so far; read by the stream's thread.
    var statistics: SourceStatistics { get }
    /// Makes a blocked `nextFrame()` return soon. Thread-safe.
    func interrupt()
}
