import CFFmpeg

/// FFmpeg's message for an error code, e.g. "Invalid data found when processing input".
func ffmpegMessage(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Maps an error from avformat_open_input to what the user should hear.
func openError(_ code: Int32, location: String) -> SourceError {
    switch code {
    case mexd_averror(ENOENT): return .noSuchFile(location)
    case mexd_averror(EACCES), mexd_averror(EPERM): return .permissionDenied(location)
    case mexd_averror_invaliddata(), mexd_averror_demuxer_not_found():
        return .notAVideo(location, detail: ffmpegMessage(code))
    default: return .openFailed(location, detail: ffmpegMessage(code))
    }
}
