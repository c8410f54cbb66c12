// The SKD-TSTSAN input tensor, step for step as Training/mextrain/preprocess.py
// builds it (which follows the authors' released scripts; reference-code notes 1.1-1.2).
// Same OpenCV functions, same order, so both sides agree to the bit except where noted.
#include <cmath>
#include <vector>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/optflow.hpp>
#include "Errors.hpp"

namespace {

constexpr int kFace = 128;   // crop side (paper section 4.2)
constexpr int kInput = 48;   // S/L/T side
constexpr int kGrid = 4;     // L stream: 4x4 blocks
constexpr int kBlock = kFace / kGrid;
constexpr int kJpegQuality = 95; // cv2.imwrite's default, which the authors' files went through

/// cv2.normalize(img, None, 0, 1, NORM_MINMAX, dtype=CV_32F)
cv::Mat minmax01(const cv::Mat &image) {
    cv::Mat out;
    cv::normalize(image, out, 0, 1, cv::NORM_MINMAX, CV_32F);
    return out;
}

/// JPEG encode at quality 95, decode as gray: what writing and re-reading a .jpg did.
cv::Mat jpeg_gray(const cv::Mat &image) {
    std::vector<uchar> buffer;
    cv::imencode(".jpg", image, buffer, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality});
    return cv::imdecode(buffer, cv::IMREAD_GRAYSCALE);
}

/// The authors' stretch of a flow map to 0..255, truncated, in float32:
/// ((m - min) / (max - min) * 255).astype(uint8); a flat map is cast as is.
cv::Mat flow_to_uint8(const cv::Mat &map) {
    double lo, hi;
    cv::minMaxLoc(map, &lo, &hi);
    cv::Mat out(map.size(), CV_8UC1);
    const float mn = static_cast<float>(lo), mx = static_cast<float>(hi);
    for (int y = 0; y < map.rows; ++y) {
        const float *src = map.ptr<float>(y);
        uchar *dst = out.ptr<uchar>(y);
        for (int x = 0; x < map.cols; ++x) {
            // numpy's float32 -> uint8 cast truncates toward zero (values here are 0..255).
            float v = mx == mn ? src[x] : (src[x] - mn) / (mx - mn) * 255.0f;
            dst[x] = static_cast<uchar>(static_cast<int>(v));
        }
    }
    return out;
}

/// TV-L1 with the given parameters, set one by one as preprocess.py's `tvl1` sets them
/// on the cv2 object.
cv::Ptr<cv::optflow::DualTVL1OpticalFlow> tvl1(const mexv_tvl1_params &p) {
    auto algorithm = cv::optflow::DualTVL1OpticalFlow::create();
    algorithm->setTau(p.tau);
    algorithm->setLambda(p.lambda);
    algorithm->setTheta(p.theta);
    algorithm->setScalesNumber(p.nscales);
    algorithm->setWarpingsNumber(p.warps);
    algorithm->setEpsilon(p.epsilon);
    algorithm->setInnerIterations(p.inner_iterations);
    algorithm->setOuterIterations(p.outer_iterations);
    algorithm->setScaleStep(p.scale_step);
    algorithm->setGamma(p.gamma);
    algorithm->setMedianFiltering(p.median_filtering);
    algorithm->setUseInitialFlow(false);
    return algorithm;
}

/// One key-frame pair -> (u, v), each 48x48 float32 in [0, 1].
/// `raw`, when given, receives the flow after the polar round trip and before the
/// resize and stretch: the motion in crop pixels that the maps were made from.
void flow_maps(const cv::Mat &from, const cv::Mat &to, bool jpeg, bool polar, const mexv_tvl1_params &params,
               cv::Mat maps[2], float *raw = nullptr) {
    cv::Mat flow;
    tvl1(params)->calc(from, to, flow);
    cv::Mat uv[2];
    cv::split(flow, uv);
    if (polar) {
        // cartToPolar then back with float32 cos/sin, as the authors' pol2cart does
        // with numpy. numpy's float32 cos/sin and glibc's cosf/sinf may differ in the
        // last bit, which can move a truncated uint8 level by one (see the parity test).
        cv::Mat magnitude, angle;
        cv::cartToPolar(uv[0], uv[1], magnitude, angle);
        for (int y = 0; y < flow.rows; ++y) {
            const float *m = magnitude.ptr<float>(y), *a = angle.ptr<float>(y);
            float *u = uv[0].ptr<float>(y), *v = uv[1].ptr<float>(y);
            for (int x = 0; x < flow.cols; ++x) {
                u[x] = m[x] * std::cos(a[x]);
                v[x] = m[x] * std::sin(a[x]);
            }
        }
    }
    if (raw) {
        cv::Mat interleaved(flow.rows, flow.cols, CV_32FC2, raw);
        cv::merge(uv, 2, interleaved);
    }
    for (int k = 0; k < 2; ++k) {
        cv::Mat small;
        cv::resize(uv[k], small, cv::Size(kInput, kInput), 0, 0, cv::INTER_LINEAR);
        cv::Mat levels = flow_to_uint8(small);
        if (jpeg) levels = jpeg_gray(levels);
        maps[k] = minmax01(levels);
    }
}

/// Whole face (48x48) and the 16 grid blocks (each 32x32 resized to 48x48), row-major.
void face_channels(const cv::Mat &face, cv::Mat &whole, cv::Mat blocks[kGrid * kGrid]) {
    cv::Mat normalised = minmax01(face);
    cv::resize(normalised, whole, cv::Size(kInput, kInput), 0, 0, cv::INTER_LINEAR);
    for (int i = 0; i < kGrid; ++i)
        for (int j = 0; j < kGrid; ++j)
            cv::resize(normalised(cv::Rect(kBlock * j, kBlock * i, kBlock, kBlock)), blocks[kGrid * i + j],
                       cv::Size(kInput, kInput), 0, 0, cv::INTER_LINEAR);
}

void put(const cv::Mat &map, float *out, int channel) {
    cv::Mat target(kInput, kInput, CV_32F, out + static_cast<size_t>(channel) * kInput * kInput);
    map.copyTo(target);
}

} // namespace

extern "C" mexv_tvl1_params mexv_tvl1_defaults(void) {
    // Read back from a fresh object, so that these are OpenCV's own defaults.
    auto d = cv::optflow::DualTVL1OpticalFlow::create();
    mexv_tvl1_params p;
    p.tau = d->getTau();
    p.lambda = d->getLambda();
    p.theta = d->getTheta();
    p.nscales = d->getScalesNumber();
    p.warps = d->getWarpingsNumber();
    p.epsilon = d->getEpsilon();
    p.inner_iterations = d->getInnerIterations();
    p.outer_iterations = d->getOuterIterations();
    p.scale_step = d->getScaleStep();
    p.gamma = d->getGamma();
    p.median_filtering = d->getMedianFiltering();
    return p;
}

extern "C" int mexv_classifier_input(const uint8_t *onset, const uint8_t *apex, const uint8_t *offset,
                                     int jpeg_roundtrip, int polar_roundtrip, const mexv_tvl1_params *tvl1,
                                     float *out, float *onset_apex_flow, char *error, size_t error_size) {
    if (!onset || !apex || !offset || !out) {
        mexv::set_error(error, error_size, "mexv_classifier_input: missing buffer");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat on(kFace, kFace, CV_8UC1, const_cast<uint8_t *>(onset));
        cv::Mat ap(kFace, kFace, CV_8UC1, const_cast<uint8_t *>(apex));
        cv::Mat off(kFace, kFace, CV_8UC1, const_cast<uint8_t *>(offset));
        // Channel map (reference-code notes section 1): 0 apex, 1 onset, 2-17 apex grid,
        // 18-33 onset grid, 34/35 onset->apex u/v, 36/37 apex->offset u/v.
        cv::Mat whole, blocks[kGrid * kGrid];
        face_channels(ap, whole, blocks);
        put(whole, out, 0);
        for (int b = 0; b < kGrid * kGrid; ++b) put(blocks[b], out, 2 + b);
        face_channels(on, whole, blocks);
        put(whole, out, 1);
        for (int b = 0; b < kGrid * kGrid; ++b) put(blocks[b], out, 18 + b);
        const mexv_tvl1_params params = tvl1 ? *tvl1 : mexv_tvl1_defaults();
        cv::Mat maps[2];
        flow_maps(on, ap, jpeg_roundtrip != 0, polar_roundtrip != 0, params, maps, onset_apex_flow);
        put(maps[0], out, 34);
        put(maps[1], out, 35);
        flow_maps(ap, off, jpeg_roundtrip != 0, polar_roundtrip != 0, params, maps);
        put(maps[0], out, 36);
        put(maps[1], out, 37);
        return MEXV_OK;
    });
}

extern "C" int mexv_jpeg_roundtrip(const uint8_t *image, int size, int quality, uint8_t *out,
                                   char *error, size_t error_size) {
    if (!image || !out || size <= 0) {
        mexv::set_error(error, error_size, "mexv_jpeg_roundtrip: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat in(size, size, CV_8UC1, const_cast<uint8_t *>(image));
        std::vector<uchar> buffer;
        cv::imencode(".jpg", in, buffer, {cv::IMWRITE_JPEG_QUALITY, quality});
        cv::Mat decoded = cv::imdecode(buffer, cv::IMREAD_GRAYSCALE);
        if (decoded.rows != size || decoded.cols != size) {
            mexv::set_error(error, error_size, "JPEG round trip changed the size");
            return MEXV_ERROR;
        }
        decoded.copyTo(cv::Mat(size, size, CV_8UC1, out));
        return MEXV_OK;
    });
}
