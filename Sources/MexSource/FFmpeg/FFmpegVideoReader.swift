import CFFmpeg
import Foundation
import Logging
import MexCore

/// Decodes the best video stream of anything libavformat opens (files, image
/// sequences such as img%03d.png, rtsp:// and other URLs) into gray frames.
///
/// Not thread-safe: one thread calls `nextFrame()`; `interrupt()` may come from any.
public final class FFmpegVideoReader: FrameProducer {
    public let info: StreamInfo
    public private(set) var statistics = SourceStatistics()

    private let location: String
    private let logger: Logger
    private let interruptFlag = InterruptFlag()
    private var formatContext: UnsafeMutablePointer<AVFormatContext>?
    private var codecContext: UnsafeMutablePointer<AVCodecContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let decoded: UnsafeMutablePointer<AVFrame>
    private let gray: GrayConverter
    private let streamIndex: Int32
    private let timeBase: Double
    private var startTimestamp: Int64?
    private var lastPts: Double?
    /// Whether any frame so far carried a timestamp.
    private var sawTimestamp = false
    private var draining = false
    private var finished = false

    public init(location: String, options: FFmpegOptions = FFmpegOptions(), logger: Logger) throws(SourceError) {
        self.location = location
        self.logger = logger

        var context: UnsafeMutablePointer<AVFormatContext>? = avformat_alloc_context()
        guard let allocated = context else { throw .openFailed(location, detail: "out of memory") }
        allocated.pointee.interrupt_callback = interruptFlag.callback
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        let kind = SourceKind.of(location: location)
        if kind == .rtsp {
            if options.rtspOverTCP { av_dict_set(&dictionary, "rtsp_transport", "tcp", 0) }
            av_dict_set(&dictionary, "timeout", String(Int(options.networkTimeout * 1_000_000)), 0)
            // Probing a live stream's frame rate reads about a second of it (28 frames of
            // a 30 fps camera) before the first frame is returned; that backlog then
            // arrives at once and overflows a live source's queue, which drops it. The
            // SDP and the first packets give the rate, in 0.2 s.
            av_dict_set(&dictionary, "fpsprobesize", "0", 0)
            av_dict_set(&dictionary, "analyzeduration", "200000", 0)
        } else if location.contains("://") {
            av_dict_set(&dictionary, "rw_timeout", String(Int(options.networkTimeout * 1_000_000)), 0)
        }
        // On failure avformat_open_input frees the context and sets it to NULL.
        let opened = avformat_open_input(&context, location, nil, &dictionary)
        guard opened >= 0, let context else { throw openError(opened, location: location) }
        formatContext = context

        packet = av_packet_alloc()
        decoded = av_frame_alloc()
        gray = GrayConverter()

        let probed = avformat_find_stream_info(context, nil)
        if probed < 0 {
            Self.release(format: &formatContext, codec: &codecContext)
            throw .notAVideo(location, detail: ffmpegMessage(probed))
        }

        var decoder: UnsafePointer<AVCodec>?
        let best = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        if best < 0 {
            let error: SourceError
            if best == mexd_averror_decoder_not_found() {
                let index = Self.firstVideoStream(context)
                let id = index.flatMap { context.pointee.streams[$0]?.pointee.codecpar?.pointee.codec_id } ?? AV_CODEC_ID_NONE
                error = .decoderMissing(location, codec: String(cString: avcodec_get_name(id)))
            } else {
                error = .noVideoStream(location)
            }
            Self.release(format: &formatContext, codec: &codecContext)
            throw error
        }
        streamIndex = best
        guard let stream = context.pointee.streams[Int(best)], let parameters = stream.pointee.codecpar else {
            Self.release(format: &formatContext, codec: &codecContext)
            throw .noVideoStream(location)
        }
        // Frames are held whole, several at a time: a size no camera makes is a
        // damaged or hostile header, refused here rather than allocated.
        guard parameters.pointee.width <= Self.maximumSide, parameters.pointee.height <= Self.maximumSide else {
            Self.release(format: &formatContext, codec: &codecContext)
            throw .notAVideo(location, detail: "frame size \(parameters.pointee.width)x\(parameters.pointee.height) is over \(Self.maximumSide) pixels a side")
        }

        codecContext = avcodec_alloc_context3(decoder)
        guard let codec = codecContext, avcodec_parameters_to_context(codec, parameters) >= 0 else {
            Self.release(format: &formatContext, codec: &codecContext)
            throw .openFailed(location, detail: "cannot configure the decoder")
        }
        codec.pointee.thread_count = Int32(options.decoderThreads)
        codec.pointee.thread_type = options.frameThreading ? (FF_THREAD_FRAME | FF_THREAD_SLICE) : FF_THREAD_SLICE
        codec.pointee.pkt_timebase = stream.pointee.time_base
        let codecOpened = avcodec_open2(codec, decoder, nil)
        if codecOpened < 0 {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            Self.release(format: &formatContext, codec: &codecContext)
            throw .decoderMissing(location, codec: "\(name): \(ffmpegMessage(codecOpened))")
        }

        timeBase = av_q2d(stream.pointee.time_base)
        if stream.pointee.start_time != mexd_av_nopts_value() {
            startTimestamp = stream.pointee.start_time
        }
        let rate = av_guess_frame_rate(context, stream, nil)
        let fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : nil
        var duration: Double?
        if stream.pointee.duration != mexd_av_nopts_value() && stream.pointee.duration > 0 {
            duration = Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
        } else if context.pointee.duration != mexd_av_nopts_value() && context.pointee.duration > 0 {
            duration = Double(context.pointee.duration) / Double(AV_TIME_BASE)
        }
        info = StreamInfo(kind: kind, location: location,
                          width: Int(parameters.pointee.width), height: Int(parameters.pointee.height),
                          fps: fps, format: String(cString: avcodec_get_name(parameters.pointee.codec_id)),
                          duration: duration)
        // A duration guessed from the bitrate says nothing about truncation.
        durationIsReliable = duration != nil && context.pointee.duration_estimation_method != AVFMT_DURATION_FROM_BITRATE
    }

    private let durationIsReliable: Bool
    /// The largest frame side read (16K video is 15360 wide).
    static let maximumSide: Int32 = 16_384

    deinit {
        av_packet_free_wrapper(packet)
        av_frame_free_wrapper(decoded)
        Self.release(format: &formatContext, codec: &codecContext)
    }

    public func interrupt() { interruptFlag.raise() }

    public func nextFrame() throws(SourceError) -> Frame? {
        guard !finished, let format = formatContext, let codec = codecContext else { return nil }
        while true {
            let received = avcodec_receive_frame(codec, decoded)
            if received == 0 {
                defer { av_frame_unref(decoded) }
                return try makeFrame()
            }
            if received == mexd_averror_eof() {
                finish()
                return nil
            }
            if received != mexd_averror(EAGAIN) {
                statistics.corruptPackets += 1
                if draining { finish(); return nil }
                continue
            }
            if draining {
                finish()
                return nil
            }

            let read = av_read_frame(format, packet)
            if read < 0 {
                if interruptFlag.isRaised {
                    statistics.endReason = .stopped
                    finished = true
                    return nil
                }
                if read != mexd_averror_eof() {
                    warn("read error after \(statistics.frames) frames (\(ffmpegMessage(read))); ending the stream here")
                    statistics.endReason = .truncated
                }
                // A NULL packet flushes the decoder; without it the last frames
                // still inside (B-frame reordering, frame threads) are lost.
                avcodec_send_packet(codec, nil)
                draining = true
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            if packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
                statistics.corruptPackets += 1
            }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != mexd_averror(EAGAIN) {
                // A damaged packet is skipped; decoding resumes at the next one.
                statistics.corruptPackets += 1
                logger.debug("\(location): packet rejected: \(ffmpegMessage(sent))")
            }
        }
    }

    private func makeFrame() throws(SourceError) -> Frame {
        if mexd_frame_is_corrupt(decoded) != 0 { statistics.corruptFrames += 1 }
        let image: GrayImage
        do {
            image = try gray.convert(decoded)
        } catch {
            throw .readFailed(location, detail: error.message)
        }
        let timestamp = decoded.pointee.best_effort_timestamp
        let pts: Double
        if timestamp != mexd_av_nopts_value() {
            if statistics.frames > 0 && !sawTimestamp, let last = lastPts {
                // The frames before this one had no timestamp (an RTSP stream's first
                // packet) and were placed by the rate: this one follows them.
                startTimestamp = timestamp &- Int64(((last + 1 / (info.fps ?? 25)) / timeBase).rounded())
            }
            sawTimestamp = true
            let start = startTimestamp ?? timestamp
            startTimestamp = start
            pts = Double(timestamp &- start) * timeBase
        } else {
            // No timestamp at all (some raw streams): step by the nominal rate.
            pts = (lastPts ?? -1 / (info.fps ?? 25)) + 1 / (info.fps ?? 25)
        }
        lastPts = pts
        let frame = Frame(index: statistics.frames, pts: pts, wallTime: info.kind == .file ? nil : Date(), image: image)
        statistics.frames += 1
        return frame
    }

    private func finish() {
        finished = true
        if statistics.endReason == .running {
            statistics.endReason = .endOfStream
            // Containers such as Matroska state their duration up front; a stream
            // that stops well short of it was cut off.
            if durationIsReliable, let duration = info.duration, let last = lastPts {
                let step = 1 / (info.fps ?? 25)
                if last + step < duration - max(0.5, 3 * step) {
                    warn(String(format: "stream ends at %.2f s but the container says %.2f s; the file looks truncated", last + step, duration))
                    statistics.endReason = .truncated
                }
            }
        }
    }

    private func warn(_ message: String) {
        statistics.warnings.append(message)
        logger.warning("\(location): \(message)")
    }

    private static func firstVideoStream(_ context: UnsafeMutablePointer<AVFormatContext>) -> Int? {
        (0..<Int(context.pointee.nb_streams)).first {
            context.pointee.streams[$0]?.pointee.codecpar?.pointee.codec_type == AVMEDIA_TYPE_VIDEO
        }
    }

    private static func release(format: inout UnsafeMutablePointer<AVFormatContext>?,
                                codec: inout UnsafeMutablePointer<AVCodecContext>?) {
        if codec != nil { avcodec_free_context(&codec) }
        if format != nil { avformat_close_input(&format) }
    }
}

private func av_packet_free_wrapper(_ packet: UnsafeMutablePointer<AVPacket>) {
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
}

private func av_frame_free_wrapper(_ frame: UnsafeMutablePointer<AVFrame>) {
    var f: UnsafeMutablePointer<AVFrame>? = frame
    av_frame_free(&f)
}
