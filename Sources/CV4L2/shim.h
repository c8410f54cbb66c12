// libv4l2 for Swift. v4l2_open and v4l2_ioctl are variadic and the VIDIOC_*
// request codes are _IOWR() macros, none of which Swift can import, so each
// request used by mexd gets a typed static inline wrapper here.
#ifndef MEXD_CV4L2_SHIM_H
#define MEXD_CV4L2_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <linux/videodev2.h>
#include <libv4l2.h>

static inline int mexd_v4l2_open(const char *path) {
    // Non-blocking so that DQBUF returns EAGAIN instead of hanging on a dead camera.
    return v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
}
static inline int mexd_v4l2_querycap(int fd, struct v4l2_capability *cap) {
    return v4l2_ioctl(fd, VIDIOC_QUERYCAP, cap);
}
static inline int mexd_v4l2_enum_fmt(int fd, struct v4l2_fmtdesc *desc) {
    return v4l2_ioctl(fd, VIDIOC_ENUM_FMT, desc);
}
static inline int mexd_v4l2_enum_framesizes(int fd, struct v4l2_frmsizeenum *size) {
    return v4l2_ioctl(fd, VIDIOC_ENUM_FRAMESIZES, size);
}
static inline int mexd_v4l2_enum_frameintervals(int fd, struct v4l2_frmivalenum *ival) {
    return v4l2_ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, ival);
}
static inline int mexd_v4l2_s_fmt(int fd, struct v4l2_format *fmt) {
    return v4l2_ioctl(fd, VIDIOC_S_FMT, fmt);
}
static inline int mexd_v4l2_s_parm(int fd, struct v4l2_streamparm *parm) {
    return v4l2_ioctl(fd, VIDIOC_S_PARM, parm);
}
static inline int mexd_v4l2_reqbufs(int fd, struct v4l2_requestbuffers *req) {
    return v4l2_ioctl(fd, VIDIOC_REQBUFS, req);
}
static inline int mexd_v4l2_querybuf(int fd, struct v4l2_buffer *buf) {
    return v4l2_ioctl(fd, VIDIOC_QUERYBUF, buf);
}
static inline int mexd_v4l2_qbuf(int fd, struct v4l2_buffer *buf) {
    return v4l2_ioctl(fd, VIDIOC_QBUF, buf);
}
static inline int mexd_v4l2_dqbuf(int fd, struct v4l2_buffer *buf) {
    return v4l2_ioctl(fd, VIDIOC_DQBUF, buf);
}
static inline int mexd_v4l2_streamon(int fd) {
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    return v4l2_ioctl(fd, VIDIOC_STREAMON, &type);
}
static inline int mexd_v4l2_streamoff(int fd) {
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    return v4l2_ioctl(fd, VIDIOC_STREAMOFF, &type);
}
static inline int mexd_v4l2_queryctrl(int fd, struct v4l2_queryctrl *query) {
    return v4l2_ioctl(fd, VIDIOC_QUERYCTRL, query);
}
static inline int mexd_v4l2_s_ctrl(int fd, struct v4l2_control *control) {
    return v4l2_ioctl(fd, VIDIOC_S_CTRL, control);
}
// 0x80000000 does not fit the int Swift would import the macro as.
static inline uint32_t mexd_v4l2_ctrl_flag_next_ctrl(void) { return V4L2_CTRL_FLAG_NEXT_CTRL; }
static inline void *mexd_v4l2_mmap(int fd, size_t length, int64_t offset) {
    return v4l2_mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
}
static inline int mexd_v4l2_munmap(void *start, size_t length) { return v4l2_munmap(start, length); }
static inline int mexd_v4l2_close(int fd) { return v4l2_close(fd); }
static inline int mexd_v4l2_poll_readable(int fd, int timeout_ms) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
    // POLLERR/POLLHUP (an unplugged camera) also count as "ready": the DQBUF that
    // follows then reports the real errno (ENODEV), in one place.
    int n = poll(&pfd, 1, timeout_ms);
    if (n > 0 && (pfd.revents & POLLNVAL)) { errno = EBADF; return -1; }
    return n;
}
static inline void *mexd_map_failed(void) { return MAP_FAILED; }

#endif
