// OpenCV's own worker threads, process-wide.
#include <opencv2/core/utility.hpp>
#include "mexvision.h"

extern "C" void mexv_set_threads(int threads) { cv::setNumThreads(threads); }
