// mexvision: the few OpenCV 4.6 algorithms mexd uses, behind a plain C API.
//
// Swift's C++ interop cannot drive OpenCV's algorithm classes (cv::Ptr, virtual
// interfaces, cv::Mat ownership), so each is wrapped here: opaque handles, images
// and tensors in caller-owned buffers (nothing is copied out), and every
// cv::Exception caught and returned as MEXV_ERROR with its message in `error`.
// Handles are not thread-safe; use one per thread.
#ifndef MEXVISION_H
#define MEXVISION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    MEXV_OK = 0,
    MEXV_ERROR = -1,        // OpenCV raised; message in `error`
    MEXV_BAD_ARGUMENT = -2, // sizes or pointers do not fit; message in `error`
};

/// An 8-bit gray image in caller memory; rows are `stride` bytes apart.
typedef struct {
    const uint8_t *pixels;
    int32_t width;
    int32_t height;
    int32_t stride;
} mexv_gray;

/// A face box in pixels.
typedef struct {
    int32_t x, y, width, height;
    /// Detector support: how many neighbouring detections merged into this one.
    int32_t neighbours;
} mexv_box;

// Face detection: OpenCV's Viola-Jones cascade (Debian's opencv-data ships the models).
typedef struct mexv_cascade mexv_cascade;
mexv_cascade *mexv_cascade_load(const char *path, char *error, size_t error_size);
void mexv_cascade_free(mexv_cascade *cascade);
/// Detects faces of at least `min_size` pixels in `image` (optionally only inside
/// `roi`, which may be NULL). Writes up to `capacity` boxes, in image coordinates,
/// largest first; returns how many were found (may exceed capacity) or an error.
/// `max_size` 0 means no upper limit.
int mexv_cascade_detect(mexv_cascade *cascade, mexv_gray image, const mexv_box *roi,
                        double scale_factor, int min_neighbours, int min_size, int max_size,
                        mexv_box *boxes, int capacity, char *error, size_t error_size);

enum { MEXV_INTER_LINEAR = 0, MEXV_INTER_AREA = 1 };

// Resize a box of `image` (x, y, width, height; it must lie inside the image) to an
// out_width x out_height gray image. Face crops use MEXV_INTER_LINEAR, as Training/
// does; MEXV_INTER_AREA is for shrinking a search window before detection.
int mexv_crop_resize(mexv_gray image, mexv_box box, int out_width, int out_height, int interpolation,
                     uint8_t *out, char *error, size_t error_size);

// OpenCV's parallel loops use this many threads, process-wide (cv::setNumThreads):
// 1 runs each call on the calling thread.
void mexv_set_threads(int threads);

// Resample `image` into an out_width x out_height image: output pixel (x, y) takes the
// input at (m[0] x + m[1] y + m[2], m[3] x + m[4] y + m[5]) (pixel indices), bilinear,
// with the border replicated. For re-aligning a face crop with the head's motion.
int mexv_warp_affine(mexv_gray image, const double *m, int out_width, int out_height, uint8_t *out,
                     char *error, size_t error_size);

// Resize `image` to out_width x out_height into `out` (packed rows). Shrinking uses
// cv::INTER_AREA (no aliasing, for detection on a smaller frame); enlarging, INTER_LINEAR.
int mexv_resize(mexv_gray image, int out_width, int out_height, uint8_t *out,
                char *error, size_t error_size);

// Dense optical flow between two gray images of the same size. `flow` receives
// width*height*2 floats, (u, v) interleaved per pixel, in pixels.
typedef struct mexv_flow mexv_flow;
/// kind 0: DIS (cv::DISOpticalFlow) with `preset` 0 ultrafast, 1 fast, 2 medium, and
///   `finest_scale` (the pyramid level the flow stops at; negative: the preset's).
/// kind 1: TV-L1 (cv::optflow::DualTVL1OpticalFlow) with OpenCV's default parameters.
mexv_flow *mexv_flow_create(int kind, int preset, int finest_scale, char *error, size_t error_size);
void mexv_flow_free(mexv_flow *flow);
int mexv_flow_calc(mexv_flow *flow, mexv_gray from, mexv_gray to, float *out,
                   char *error, size_t error_size);

/// cv::optflow::DualTVL1OpticalFlow's parameters, by their OpenCV names.
/// mexv_tvl1_defaults gives OpenCV 4.6's defaults (iterate until epsilon: unbounded).
typedef struct {
    double tau, lambda, theta;
    int32_t nscales, warps;
    double epsilon;
    int32_t inner_iterations, outer_iterations;
    double scale_step, gamma;
    int32_t median_filtering;
} mexv_tvl1_params;
mexv_tvl1_params mexv_tvl1_defaults(void);

// The classifier's (38, 48, 48) input from three 128x128 gray faces (onset, apex,
// offset), built exactly as Training/mextrain/preprocess.py does. `jpeg_roundtrip`
// reproduces the authors' JPEG files of the flow maps. `tvl1` NULL: OpenCV's defaults.
// `onset_apex_flow`, when not NULL, receives the onset->apex TV-L1 flow the maps were
// made from: 128x128 (u, v) pairs, interleaved, in crop pixels (for pictures of it).
int mexv_classifier_input(const uint8_t *onset, const uint8_t *apex, const uint8_t *offset,
                          int jpeg_roundtrip, int polar_roundtrip, const mexv_tvl1_params *tvl1,
                          float *out, float *onset_apex_flow, char *error, size_t error_size);

// JPEG-encode a size x size gray image at `quality` and decode it again into `out`: what
// the data sets' face crops went through when the authors wrote them as .jpg files.
int mexv_jpeg_roundtrip(const uint8_t *image, int size, int quality, uint8_t *out,
                        char *error, size_t error_size);

// Picture files through OpenCV's imgcodecs (libjpeg, libpng) and color maps (imgproc).
// Color images cross this API as RGB; the conversion to and from OpenCV's BGR
// happens inside. Encoded bytes and decoded pixels are sized by the data, so they are
// returned in buffers this library allocates; release each with mexv_free_buffer.

/// An 8-bit RGB image in caller memory, interleaved (R, G, B per pixel); rows are
/// `stride` bytes apart.
typedef struct {
    const uint8_t *pixels;
    int32_t width;
    int32_t height;
    int32_t stride;
} mexv_rgb;

enum { MEXV_FORMAT_JPEG = 0, MEXV_FORMAT_PNG = 1 };

/// Encodes `image` as JPEG (`quality` 0-100) or PNG (`quality` ignored) into a new
/// buffer of `*out_size` bytes at `*out`.
int mexv_encode_gray(mexv_gray image, int format, int quality, uint8_t **out, size_t *out_size,
                     char *error, size_t error_size);
int mexv_encode_rgb(mexv_rgb image, int format, int quality, uint8_t **out, size_t *out_size,
                    char *error, size_t error_size);

/// Decodes a JPEG or PNG file's `count` bytes into a new buffer at `*pixels` of
/// `*width` x `*height` pixels with `channels` bytes each (1: gray, 3: RGB), rows
/// packed. MEXV_ERROR if the bytes are not a complete picture OpenCV can read.
int mexv_decode(const uint8_t *bytes, size_t count, int channels, uint8_t **pixels,
                int32_t *width, int32_t *height, char *error, size_t error_size);

/// Releases a buffer that mexv_encode_* or mexv_decode returned.
void mexv_free_buffer(uint8_t *buffer);

enum { MEXV_COLORMAP_INFERNO = 0, MEXV_COLORMAP_VIRIDIS = 1, MEXV_COLORMAP_JET = 2 };

/// `image` through one of OpenCV's color maps (cv::applyColorMap) into `out`:
/// width x height RGB pixels, rows packed.
int mexv_color_map(mexv_gray image, int map, uint8_t *out, char *error, size_t error_size);

// An ONNX network run with OpenCV's DNN module on the CPU.
typedef struct mexv_net mexv_net;
mexv_net *mexv_net_load(const char *onnx_path, char *error, size_t error_size);
void mexv_net_free(mexv_net *net);
/// Runs one forward pass on an NCHW float input and writes the first output's values
/// into `out`. `out_count` receives the output's element count; returns
/// MEXV_BAD_ARGUMENT if it exceeds `capacity`.
int mexv_net_forward(mexv_net *net, const float *input, const int32_t *shape, int rank,
                     float *out, size_t capacity, size_t *out_count,
                     char *error, size_t error_size);
/// The names of the graph's unconnected outputs, comma-separated.
int mexv_net_output_names(mexv_net *net, char *names, size_t size);

#ifdef __cplusplus
}
#endif

#endif
