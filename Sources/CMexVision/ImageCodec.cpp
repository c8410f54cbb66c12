// Picture files (JPEG, PNG) and color maps; RGB outside, OpenCV's BGR inside.
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include "Errors.hpp"

namespace {

bool valid(const mexv_rgb &image) {
    return image.pixels && image.width > 0 && image.height > 0 && image.stride >= 3 * image.width;
}

/// A new malloc'd copy of `mat`'s pixels with rows packed, for the caller to free.
uint8_t *packed_copy(const cv::Mat &mat) {
    const size_t row = mat.cols * mat.elemSize();
    auto out = static_cast<uint8_t *>(std::malloc(row * mat.rows));
    if (!out) throw std::bad_alloc();
    for (int y = 0; y < mat.rows; ++y) std::memcpy(out + y * row, mat.ptr(y), row);
    return out;
}

int encode(const cv::Mat &bgr_or_gray, int format, int quality, uint8_t **out, size_t *out_size,
           char *error, size_t error_size) {
    if (!out || !out_size || (format != MEXV_FORMAT_JPEG && format != MEXV_FORMAT_PNG)
        || (format == MEXV_FORMAT_JPEG && (quality < 0 || quality > 100))) {
        mexv::set_error(error, error_size, "mexv_encode: unknown format, or a JPEG quality outside 0-100");
        return MEXV_BAD_ARGUMENT;
    }
    std::vector<uchar> bytes;
    const bool written = format == MEXV_FORMAT_JPEG
        ? cv::imencode(".jpg", bgr_or_gray, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})
        : cv::imencode(".png", bgr_or_gray, bytes);
    if (!written || bytes.empty()) {
        mexv::set_error(error, error_size, "OpenCV wrote no picture");
        return MEXV_ERROR;
    }
    auto buffer = static_cast<uint8_t *>(std::malloc(bytes.size()));
    if (!buffer) throw std::bad_alloc();
    std::memcpy(buffer, bytes.data(), bytes.size());
    *out = buffer;
    *out_size = bytes.size();
    return MEXV_OK;
}

/// libjpeg decodes a JPEG cut short by filling the missing rows with gray and a warning
/// on stderr, and OpenCV returns that picture as if nothing were wrong. A complete JPEG
/// ends with the End Of Image marker (FF D9), so its absence means the file was cut.
bool truncated_jpeg(const uint8_t *bytes, size_t count) {
    const bool jpeg = count >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
    return jpeg && (count < 4 || bytes[count - 2] != 0xFF || bytes[count - 1] != 0xD9);
}

} // namespace

extern "C" int mexv_encode_gray(mexv_gray image, int format, int quality, uint8_t **out, size_t *out_size,
                                char *error, size_t error_size) {
    if (!mexv::valid(image)) {
        mexv::set_error(error, error_size, "mexv_encode_gray: bad image");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        return encode(mexv::view(image), format, quality, out, out_size, error, error_size);
    });
}

extern "C" int mexv_encode_rgb(mexv_rgb image, int format, int quality, uint8_t **out, size_t *out_size,
                               char *error, size_t error_size) {
    if (!valid(image)) {
        mexv::set_error(error, error_size, "mexv_encode_rgb: bad image");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t *>(image.pixels),
                    static_cast<size_t>(image.stride));
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        return encode(bgr, format, quality, out, out_size, error, error_size);
    });
}

extern "C" int mexv_decode(const uint8_t *bytes, size_t count, int channels, uint8_t **pixels,
                           int32_t *width, int32_t *height, char *error, size_t error_size) {
    if (!bytes || count == 0 || count > INT_MAX || !pixels || !width || !height || (channels != 1 && channels != 3)) {
        mexv::set_error(error, error_size, "mexv_decode: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    if (truncated_jpeg(bytes, count)) {
        mexv::set_error(error, error_size, "a JPEG without its end marker: the file was cut short");
        return MEXV_ERROR;
    }
    return mexv::guarded(error, error_size, [&] {
        const cv::Mat encoded(1, static_cast<int>(count), CV_8UC1, const_cast<uint8_t *>(bytes));
        cv::Mat decoded = cv::imdecode(encoded, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
        if (decoded.empty()) {
            mexv::set_error(error, error_size, "not a complete JPEG or PNG picture");
            return MEXV_ERROR;
        }
        if (channels == 3) cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
        *pixels = packed_copy(decoded);
        *width = decoded.cols;
        *height = decoded.rows;
        return MEXV_OK;
    });
}

extern "C" void mexv_free_buffer(uint8_t *buffer) { std::free(buffer); }

extern "C" int mexv_color_map(mexv_gray image, int map, uint8_t *out, char *error, size_t error_size) {
    int cv_map;
    switch (map) {
    case MEXV_COLORMAP_INFERNO: cv_map = cv::COLORMAP_INFERNO; break;
    case MEXV_COLORMAP_VIRIDIS: cv_map = cv::COLORMAP_VIRIDIS; break;
    case MEXV_COLORMAP_JET: cv_map = cv::COLORMAP_JET; break;
    default: cv_map = -1;
    }
    if (!mexv::valid(image) || !out || cv_map < 0) {
        mexv::set_error(error, error_size, "mexv_color_map: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat bgr, rgb(image.height, image.width, CV_8UC3, out);
        cv::applyColorMap(mexv::view(image), bgr, cv_map);
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        return MEXV_OK;
    });
}
