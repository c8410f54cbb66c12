#include <opencv2/optflow.hpp>
#include <opencv2/video/tracking.hpp>
#include "Errors.hpp"

struct mexv_flow {
    cv::Ptr<cv::DenseOpticalFlow> algorithm;
};

extern "C" mexv_flow *mexv_flow_create(int kind, int preset, int finest_scale, char *error, size_t error_size) {
    mexv_flow *result = nullptr;
    mexv::guarded(error, error_size, [&] {
        cv::Ptr<cv::DenseOpticalFlow> algorithm;
        if (kind == 0) {
            auto dis = cv::DISOpticalFlow::create(preset);
            if (finest_scale >= 0) dis->setFinestScale(finest_scale);
            algorithm = dis;
        } else if (kind == 1) {
            // OpenCV's defaults, as the authors' optflow_for_classify.py and Training/ use.
            algorithm = cv::optflow::DualTVL1OpticalFlow::create();
        } else {
            mexv::set_error(error, error_size, "unknown flow kind");
            return MEXV_BAD_ARGUMENT;
        }
        result = new mexv_flow{algorithm};
        return MEXV_OK;
    });
    return result;
}

extern "C" void mexv_flow_free(mexv_flow *flow) { delete flow; }

extern "C" int mexv_flow_calc(mexv_flow *flow, mexv_gray from, mexv_gray to, float *out,
                              char *error, size_t error_size) {
    if (!flow || !mexv::valid(from) || !mexv::valid(to) || !out || from.width != to.width ||
        from.height != to.height) {
        mexv::set_error(error, error_size, "mexv_flow_calc: images missing or of different sizes");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        // The result goes straight into the caller's buffer: a CV_32FC2 header over it.
        // What the buffer holds is DIS's starting guess: the previous pair's flow, which
        // for a head moving steadily is most of this one (cleared, a swaying face gave
        // spurious events; git log of this file).
        cv::Mat result(from.height, from.width, CV_32FC2, out);
        cv::Mat before = result;
        flow->algorithm->calc(mexv::view(from), mexv::view(to), result);
        if (result.data != before.data) result.copyTo(before); // OpenCV reallocated: copy back
        return MEXV_OK;
    });
}
