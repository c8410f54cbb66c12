import MexCore

/// One face's recent 128x128 crops, for an event's key frames. Bounded: the longest
/// expression plus the spotter's look-back, never more.
struct CropHistory {
    struct Entry {
        var frame: Int
        var pts: Double
        var crop: GrayImage
        var box: FaceBox
        var confidence: Double
    }

    private var entries: [Entry?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { entries = [Entry?](repeating: nil, count: max(1, capacity)) }

    mutating func append(_ entry: Entry) {
        entries[head] = entry
        head = (head + 1) % entries.count
        count = min(count + 1, entries.count)
    }

    /// The entry of `frame`, if still held.
    func entry(_ frame: Int) -> Entry? {
        guard count > 0, let newest = entries[(head - 1 + entries.count) % entries.count] else { return nil }
        let back = newest.frame - frame
        guard back >= 0, back < count else { return nil }
        let e = entries[(head - 1 - back + 2 * entries.count) % entries.count]
        return e?.frame == frame ? e : nil
    }
}
