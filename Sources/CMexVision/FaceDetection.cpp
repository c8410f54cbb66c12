#include <algorithm>
#include <vector>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include "Errors.hpp"

struct mexv_cascade {
    cv::CascadeClassifier classifier;
};

extern "C" mexv_cascade *mexv_cascade_load(const char *path, char *error, size_t error_size) {
    mexv_cascade *result = nullptr;
    mexv::guarded(error, error_size, [&] {
        auto cascade = new mexv_cascade();
        if (!cascade->classifier.load(path) || cascade->classifier.empty()) {
            delete cascade;
            mexv::set_error(error, error_size, "not a readable cascade classifier file");
            return MEXV_ERROR;
        }
        result = cascade;
        return MEXV_OK;
    });
    return result;
}

extern "C" void mexv_cascade_free(mexv_cascade *cascade) { delete cascade; }

extern "C" int mexv_cascade_detect(mexv_cascade *cascade, mexv_gray image, const mexv_box *roi,
                                   double scale_factor, int min_neighbours, int min_size, int max_size,
                                   mexv_box *boxes, int capacity, char *error, size_t error_size) {
    if (!cascade || !mexv::valid(image) || (capacity > 0 && !boxes)) {
        mexv::set_error(error, error_size, "mexv_cascade_detect: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat full = mexv::view(image);
        cv::Rect area(0, 0, image.width, image.height);
        if (roi) area &= cv::Rect(roi->x, roi->y, roi->width, roi->height);
        if (area.width < min_size || area.height < min_size) return 0;
        std::vector<cv::Rect> found;
        std::vector<int> neighbours;
        // The overload with numDetections reports how well supported each face is.
        cascade->classifier.detectMultiScale(full(area), found, neighbours, scale_factor, min_neighbours,
                                             0, cv::Size(min_size, min_size), cv::Size(max_size, max_size));
        std::vector<size_t> order(found.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return found[a].area() > found[b].area(); });
        for (size_t k = 0; k < order.size() && static_cast<int>(k) < capacity; ++k) {
            const cv::Rect &r = found[order[k]];
            boxes[k] = mexv_box{r.x + area.x, r.y + area.y, r.width, r.height,
                                order[k] < neighbours.size() ? neighbours[order[k]] : 0};
        }
        return static_cast<int>(found.size());
    });
}

extern "C" int mexv_crop_resize(mexv_gray image, mexv_box box, int out_width, int out_height, int interpolation,
                                uint8_t *out, char *error, size_t error_size) {
    if (!mexv::valid(image) || !out || out_width <= 0 || out_height <= 0) {
        mexv::set_error(error, error_size, "mexv_crop_resize: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Rect r(box.x, box.y, box.width, box.height);
        if (r.width <= 0 || r.height <= 0 || (r & cv::Rect(0, 0, image.width, image.height)) != r) {
            mexv::set_error(error, error_size, "crop box is empty or not inside the image");
            return MEXV_BAD_ARGUMENT;
        }
        cv::Mat dst(out_height, out_width, CV_8UC1, out);
        cv::resize(mexv::view(image)(r), dst, dst.size(), 0, 0,
                   interpolation == MEXV_INTER_AREA ? cv::INTER_AREA : cv::INTER_LINEAR);
        return MEXV_OK;
    });
}

extern "C" int mexv_warp_affine(mexv_gray image, const double *m, int out_width, int out_height, uint8_t *out,
                                char *error, size_t error_size) {
    if (!mexv::valid(image) || !m || !out || out_width <= 0 || out_height <= 0) {
        mexv::set_error(error, error_size, "mexv_warp_affine: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat dst(out_height, out_width, CV_8UC1, out);
        cv::Mat map = (cv::Mat_<double>(2, 3) << m[0], m[1], m[2], m[3], m[4], m[5]);
        cv::warpAffine(mexv::view(image), dst, map, dst.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
        return MEXV_OK;
    });
}

extern "C" int mexv_resize(mexv_gray image, int out_width, int out_height, uint8_t *out,
                           char *error, size_t error_size) {
    if (!mexv::valid(image) || !out || out_width <= 0 || out_height <= 0) {
        mexv::set_error(error, error_size, "mexv_resize: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        cv::Mat dst(out_height, out_width, CV_8UC1, out);
        bool shrink = out_width < image.width && out_height < image.height;
        cv::resize(mexv::view(image), dst, dst.size(), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
        return MEXV_OK;
    });
}
