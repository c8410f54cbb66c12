import CFFmpeg
import MexCore

/// Decodes single (M)JPEG images, as MJPEG cameras deliver them, with libavcodec.
/// Its mjpeg decoder also fills in the Huffman tables that many UVC cameras omit.
final class JPEGDecoder {
    struct DecodeError: Error { let message: String }

    private var context: UnsafeMutablePointer<AVCodecContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>
    private let gray = GrayConverter()

    init() throws(DecodeError) {
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG) else {
            throw DecodeError(message: "this FFmpeg build has no MJPEG decoder")
        }
        context = avcodec_alloc_context3(codec)
        guard avcodec_open2(context, codec, nil) >= 0 else {
            avcodec_free_context(&context)
            throw DecodeError(message: "cannot open the MJPEG decoder")
        }
        packet = av_packet_alloc()
        frame = av_frame_alloc()
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
        avcodec_free_context(&context)
    }

    func decode(_ data: UnsafeRawBufferPointer) throws(DecodeError) -> GrayImage {
        guard let context, let base = data.baseAddress, data.count > 0 else {
            throw DecodeError(message: "empty JPEG buffer")
        }
        // The packet borrows the caller's bytes; send_packet copies them since the
        // packet is not reference counted.
        packet.pointee.data = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        packet.pointee.size = Int32(data.count)
        defer {
            packet.pointee.data = nil
            packet.pointee.size = 0
        }
        let sent = avcodec_send_packet(context, packet)
        guard sent >= 0 else { throw DecodeError(message: "bad JPEG data (\(ffmpegMessage(sent)))") }
        let received = avcodec_receive_frame(context, frame)
        guard received >= 0 else { throw DecodeError(message: "bad JPEG data (\(ffmpegMessage(received)))") }
        defer { av_frame_unref(frame) }
        do { return try gray.convert(frame) } catch { throw DecodeError(message: error.message) }
    }
}
