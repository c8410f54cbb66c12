// Image files in memory: JPEG and PNG through OpenCV's codecs (libjpeg, libpng), and
// OpenCV's colour maps. Colour crosses the C boundary as RGB; OpenCV works in BGR.
#include <cstdlib>
#include <vector>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include "Errors.hpp"

namespace {

/// Copies an encoded buffer into malloc'd memory the caller frees with mexv_buffer_free.
int hand_out(const std::vector<uchar> &encoded, uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    auto *copy = static_cast<uint8_t *>(std::malloc(encoded.size()));
    if (!copy) {
        mexv::set_error(error, error_size, "out of memory");
        return MEXV_ERROR;
    }
    std::memcpy(copy, encoded.data(), encoded.size());
    *out = copy;
    *out_size = encoded.size();
    return MEXV_OK;
}

int encode(const cv::Mat &image, int format, int quality, uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    std::vector<uchar> encoded;
    bool done = format == MEXV_FORMAT_PNG
        ? cv::imencode(".png", image, encoded)
        : cv::imencode(".jpg", image, encoded, {cv::IMWRITE_JPEG_QUALITY, quality});
    if (!done) {
        mexv::set_error(error, error_size, "the encoder refused the image");
        return MEXV_ERROR;
    }
    return hand_out(encoded, out, out_size, error, error_size);
}

} // namespace

extern "C" void mexv_buffer_free(uint8_t *buffer) { std::free(buffer); }

extern "C" int mexv_encode(const uint8_t *pixels, int width, int height, int channels, int format, int quality,
                           uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    if (!pixels || !out || !out_size || width <= 0 || height <= 0 || (channels != 1 && channels != 3) ||
        (format != MEXV_FORMAT_JPEG && format != MEXV_FORMAT_PNG) || quality < 0 || quality > 100) {
        mexv::set_error(error, error_size, "mexv_encode: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat image(height, width, channels == 1 ? CV_8UC1 : CV_8UC3, const_cast<uint8_t *>(pixels));
        if (channels == 1) return encode(image, format, quality, out, out_size, error, error_size);
        cv::Mat bgr;
        cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR);
        return encode(bgr, format, quality, out, out_size, error, error_size);
    });
}

extern "C" int mexv_decode(const uint8_t *bytes, size_t size, int channels, uint8_t **out, int *width, int *height,
                           char *error, size_t error_size) {
    if (!bytes || size == 0 || !out || !width || !height || (channels != 1 && channels != 3)) {
        mexv::set_error(error, error_size, "mexv_decode: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat encoded(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t *>(bytes));
        cv::Mat image = cv::imdecode(encoded, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
        if (image.empty()) {
            mexv::set_error(error, error_size, "not a readable image (JPEG, PNG or another format OpenCV reads)");
            return static_cast<int>(MEXV_ERROR);
        }
        if (channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
        const size_t bytes_out = image.total() * image.elemSize();
        auto *copy = static_cast<uint8_t *>(std::malloc(bytes_out));
        if (!copy) {
            mexv::set_error(error, error_size, "out of memory");
            return static_cast<int>(MEXV_ERROR);
        }
        cv::Mat target(image.rows, image.cols, image.type(), copy);
        image.copyTo(target);
        *out = copy;
        *width = image.cols;
        *height = image.rows;
        return static_cast<int>(MEXV_OK);
    });
}

extern "C" int mexv_color_map(mexv_gray image, int map, uint8_t *out_rgb, char *error, size_t error_size) {
    if (!mexv::valid(image) || !out_rgb) {
        mexv::set_error(error, error_size, "mexv_color_map: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat bgr;
        cv::applyColorMap(mexv::view(image), bgr, map);
        cv::Mat rgb(image.height, image.width, CV_8UC3, out_rgb);
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        return MEXV_OK;
    });
}
