import CMexVision

/// OpenCV's worker threads, which are process-wide.
public enum VisionThreads {
    /// OpenCV's parallel loops run on the calling thread only. mexd already runs each
    /// source's decoding, each source's face pipeline and the classifier on threads of
    /// their own; OpenCV splitting a small face search over the same two cores as well
    /// made a 200 fps pipeline wait on workers busy with the decoder's core and fall
    /// behind (bench/live/RESULTS.md, 2026-12-07), for no saving in CPU.
    public static func runOnCallingThread() { mexv_set_threads(1) }
}
