// FFmpeg for Swift. The error codes and AV_NOPTS_VALUE are function-like or
// compound macros that Swift cannot import, so they are re-exported here as
// static inline functions.
#ifndef MEXD_CFFMPEG_SHIM_H
#define MEXD_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

static inline int mexd_averror(int posix_errno) { return AVERROR(posix_errno); }
static inline int mexd_averror_eof(void) { return AVERROR_EOF; }
static inline int mexd_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int mexd_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int mexd_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int mexd_averror_demuxer_not_found(void) { return AVERROR_DEMUXER_NOT_FOUND; }
static inline int mexd_averror_exit(void) { return AVERROR_EXIT; }
static inline int64_t mexd_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int mexd_frame_is_corrupt(const AVFrame *frame) {
    return (frame->flags & AV_FRAME_FLAG_CORRUPT) != 0 || frame->decode_error_flags != 0;
}

#endif
