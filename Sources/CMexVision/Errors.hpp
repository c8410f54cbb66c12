// Shared by the mexvision sources: turning exceptions into status codes.
#pragma once
#include <cstdio>
#include <cstring>
#include <exception>
#include <opencv2/core.hpp>
#include "mexvision.h"

namespace mexv {

inline void set_error(char *error, size_t size, const char *message) {
    if (error && size > 0) std::snprintf(error, size, "%s", message);
}

/// Runs `body`, returning MEXV_OK, or MEXV_ERROR with the exception's message.
template <typename Body>
int guarded(char *error, size_t size, Body body) {
    try {
        return body();
    } catch (const cv::Exception &e) {
        set_error(error, size, e.what());
    } catch (const std::exception &e) {
        set_error(error, size, e.what());
    } catch (...) {
        set_error(error, size, "unknown C++ exception");
    }
    return MEXV_ERROR;
}

/// A read-only cv::Mat header over caller memory (no copy).
inline cv::Mat view(const mexv_gray &g) {
    return cv::Mat(g.height, g.width, CV_8UC1, const_cast<uint8_t *>(g.pixels), static_cast<size_t>(g.stride));
}

inline bool valid(const mexv_gray &g) {
    return g.pixels && g.width > 0 && g.height > 0 && g.stride >= g.width;
}

} // namespace mexv
