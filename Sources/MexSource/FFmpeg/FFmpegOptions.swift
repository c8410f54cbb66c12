/// How `FFmpegVideoReader` opens its input.
public struct FFmpegOptions: Sendable, Equatable {
    /// Decoder threads; 0 lets libavcodec pick one per core.
    public var decoderThreads: Int = 0
    /// Frame threading gives the most throughput for files but adds a frame of latency
    /// per thread, so live streams may turn it off.
    public var frameThreading: Bool = true
    /// Socket I/O timeout for network inputs, in seconds.
    public var networkTimeout: Double = 10
    /// RTSP over TCP survives lossy networks and NAT; UDP has lower latency.
    public var rtspOverTCP: Bool = true

    public init() {}
}
