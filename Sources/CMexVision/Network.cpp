#include <cstring>
#include <string>
#include <vector>
#include <opencv2/dnn.hpp>
#include "Errors.hpp"

struct mexv_net {
    cv::dnn::Net net;
};

extern "C" mexv_net *mexv_net_load(const char *onnx_path, char *error, size_t error_size) {
    mexv_net *result = nullptr;
    mexv::guarded(error, error_size, [&] {
        cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx_path);
        if (net.empty()) {
            mexv::set_error(error, error_size, "the ONNX file holds no network");
            return MEXV_ERROR;
        }
        net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        result = new mexv_net{net};
        return MEXV_OK;
    });
    return result;
}

extern "C" void mexv_net_free(mexv_net *net) { delete net; }

extern "C" int mexv_net_forward(mexv_net *net, const float *input, const int32_t *shape, int rank,
                                float *out, size_t capacity, size_t *out_count,
                                char *error, size_t error_size) {
    if (!net || !input || !shape || rank <= 0 || rank > 8 || !out_count) {
        mexv::set_error(error, error_size, "mexv_net_forward: bad arguments");
        return MEXV_BAD_ARGUMENT;
    }
    return mexv::guarded(error, error_size, [&] {
        std::vector<int> dims(shape, shape + rank);
        cv::Mat blob(rank, dims.data(), CV_32F, const_cast<float *>(input));
        net->net.setInput(blob);
        cv::Mat result = net->net.forward();
        if (result.type() != CV_32F) {
            mexv::set_error(error, error_size, "the network's output is not float32");
            return MEXV_ERROR;
        }
        size_t count = result.total();
        *out_count = count;
        if (count > capacity) {
            mexv::set_error(error, error_size, "output buffer too small");
            return MEXV_BAD_ARGUMENT;
        }
        if (result.isContinuous()) {
            std::memcpy(out, result.ptr<float>(), count * sizeof(float));
        } else {
            cv::Mat dense = result.clone();
            std::memcpy(out, dense.ptr<float>(), count * sizeof(float));
        }
        return MEXV_OK;
    });
}

extern "C" int mexv_net_output_names(mexv_net *net, char *names, size_t size) {
    if (!net || !names || size == 0) return MEXV_BAD_ARGUMENT;
    std::string joined;
    for (const auto &name : net->net.getUnconnectedOutLayersNames()) {
        if (!joined.empty()) joined += ",";
        joined += name;
    }
    std::snprintf(names, size, "%s", joined.c_str());
    return MEXV_OK;
}
