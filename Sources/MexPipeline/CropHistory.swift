import MexCore

/// One face's recent 128x128 crops, for an event's key frames. Bounded: the longest
/// expression plus the spotter's look-back, never more. Slots are indexed by frame
/// number, so frames where the detector missed the face simply have no entry.
struct CropHistory {
    struct Entry {
        var frame: Int
        var pts: Double
        var crop: GrayImage
        var box: FaceBox
        var confidence: Double
    }

    private var slots: [Entry?]

    init(capacity: Int) { slots = [Entry?](repeating: nil, count: max(1, capacity)) }

    mutating func append(_ entry: Entry) {
        slots[entry.frame % slots.count] = entry
    }

    /// The entry of `frame`, if still held.
    func entry(_ frame: Int) -> Entry? {
        guard frame >= 0, let e = slots[frame % slots.count], e.frame == frame else { return nil }
        return e
    }

    /// The entry of `frame`, or the nearest held one within `tolerance` frames (a frame
    /// where the detector missed the face has no crop).
    func nearest(_ frame: Int, tolerance: Int) -> Entry? {
        if let e = entry(frame) { return e }
        for d in 1...max(1, tolerance) {
            if let e = entry(frame - d) ?? entry(frame + d) { return e }
        }
        return nil
    }
}
