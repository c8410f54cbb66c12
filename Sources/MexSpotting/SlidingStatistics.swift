/// Mean and maximum of the last `capacity` values in O(1) per value, and their median
/// and spread on request. Holds scalars only.
struct SlidingStatistics {
    private var ring: [Double]
    private var head = 0
    private(set) var count = 0
    private var sum = 0.0
    /// Indices (in push order) of candidates for the maximum, values decreasing.
    private var maxQueue: [(order: Int, value: Double)] = []
    private var maxHead = 0
    private var pushed = 0

    init(capacity: Int) {
        ring = [Double](repeating: 0, count: max(1, capacity))
    }

    var capacity: Int { ring.count }
    var mean: Double { count > 0 ? sum / Double(count) : 0 }
    var maximum: Double { maxHead < maxQueue.count ? maxQueue[maxHead].value : 0 }

    mutating func push(_ value: Double) {
        if count == ring.count {
            sum -= ring[head]
        } else {
            count += 1
        }
        ring[head] = value
        head = (head + 1) % ring.count
        sum += value
        // Keep the max queue: drop smaller tail entries, then entries that left the window.
        while maxQueue.count > maxHead && maxQueue[maxQueue.count - 1].value <= value { maxQueue.removeLast() }
        maxQueue.append((pushed, value))
        pushed += 1
        while maxQueue[maxHead].order <= pushed - 1 - ring.count { maxHead += 1 }
        if maxHead > 1024 { maxQueue.removeFirst(maxHead); maxHead = 0 }
    }

    /// The held values, oldest first.
    var values: [Double] {
        count < ring.count ? Array(ring[0..<count]) : Array(ring[head...] + ring[..<head])
    }

    /// The median alone: one sort, where `medianAndSigma` needs a second for the spread.
    func median() -> Double { quantile(0.5) }

    /// The value `q` of the way up the sorted held values (0.5: the upper middle one).
    /// One sort: it runs twice a second per region (`RegionNoise.refresh`), so a
    /// selection would not pay for itself.
    func quantile(_ q: Double) -> Double {
        let v = values.sorted()
        return v.isEmpty ? 0 : v[min(v.count - 1, max(0, Int(q * Double(v.count))))]
    }

    /// Median and a robust standard deviation (1.4826 x median absolute deviation).
    func medianAndSigma() -> (median: Double, sigma: Double) {
        var v = values
        guard !v.isEmpty else { return (0, 0) }
        v.sort()
        let median = v[v.count / 2]
        var deviations = v.map { abs($0 - median) }
        deviations.sort()
        return (median, 1.4826 * deviations[deviations.count / 2])
    }

    /// The value pushed `back` pushes ago (0: the latest).
    func recent(_ back: Int) -> Double? {
        guard back >= 0, back < count else { return nil }
        return ring[(head - 1 - back + 2 * ring.count) % ring.count]
    }
}
