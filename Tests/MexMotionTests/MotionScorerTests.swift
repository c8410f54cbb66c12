import Testing
@testable import MexMotion

/// The selection behind `median` gives what sorting gave.
@Suite struct MotionScorerSelectionTests {
    /// Deterministic values with many ties (quantised) or none.
    private func values(_ count: Int, seed: UInt64, levels: Int?) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24)
            return levels.map { Float(Int(unit * Float($0))) } ?? unit * 5
        }
    }

    @Test func partitionPutsTheLargestFirst() {
        for count in [1, 2, 3, 7, 64, 1000, 1201] {
            for levels in [nil, 1, 3, 40] as [Int?] {
                for seed in 1...5 as ClosedRange<UInt64> {
                    var v = values(count, seed: seed, levels: levels)
                    let sorted = v.sorted(by: >)
                    let n = max(1, count / 3)
                    MotionScorer.partitionLargest(&v, count: n)
                    #expect(v[n - 1] == sorted[n - 1], "count \(count) levels \(String(describing: levels))")
                    #expect(v[..<n].min() == sorted[n - 1])
                    #expect(v[..<n].sorted(by: >) == Array(sorted.prefix(n)))
                }
            }
        }
    }

    @Test func medianMatchesSorting() {
        for count in [1, 2, 3, 4, 5, 10, 255, 256] {
            for levels in [nil, 2, 9] as [Int?] {
                for seed in 1...5 as ClosedRange<UInt64> {
                    var v = values(count, seed: seed, levels: levels)
                    let a = v.sorted()
                    let k = count / 2
                    let expected = count % 2 == 1 ? a[k] : (a[k - 1] + a[k]) / 2
                    #expect(MotionScorer.median(&v) == expected, "count \(count)")
                }
            }
        }
    }
}
