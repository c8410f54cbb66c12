/// Where a source's frames were lost. Sources number frames as they capture or decode
/// them, so a frame that never reached the pipeline (dropped from a live source's
/// queue, skipped by the camera's driver, damaged) leaves its index out; an event's
/// `dropped_frames` counts the indices missing between its onset and its offset.
struct FrameGaps {
    /// Gaps further back than this many frames are forgotten: no open event reaches them.
    let horizon: Int
    /// Each gap as the frame after it and how many frames are missing before that
    /// frame: F-M ... F-1. At most one entry per frame within the horizon.
    private(set) var gaps: [(frame: Int, missing: Int)] = []
    private var last: Int?

    init(horizon: Int) {
        self.horizon = max(1, horizon)
    }

    mutating func note(_ index: Int) {
        if let last, index > last + 1 { gaps.append((index, index - last - 1)) }
        last = index
        if let oldest = gaps.first, index - oldest.frame > horizon {
            gaps.removeAll { index - $0.frame > horizon }
        }
    }

    /// Frames missing strictly between `onset` and `offset`.
    func lost(between onset: Int, and offset: Int) -> Int {
        gaps.reduce(0) { total, gap in
            let first = max(onset + 1, gap.frame - gap.missing)
            let last = min(offset - 1, gap.frame - 1)
            return total + max(0, last - first + 1)
        }
    }
}
