import Foundation
import Testing
@testable import MexSpotting

/// Six regions as MotionScorer gives them (brows, nose, mouth corners, chin): noisy
/// brows, quiet mouth corners, and a lip-corner pull of `height` pixels in the left mouth
/// corner between `onset` and `offset` seconds (two bumps: towards the apex and back).
private func regions(seconds: Double, fps: Double, onset: Double, offset: Double, height: Double) -> [[Double]] {
    var generator = SplitMix(seed: 7)
    let floors: [(base: Double, spread: Double)] = [(0.06, 0.10), (0.06, 0.10), (0.05, 0.02), (0.03, 0.01), (0.03, 0.01), (0.04, 0.02)]
    let apex = (onset + offset) / 2
    return (0..<Int(seconds * fps)).map { i in
        let t = Double(i) / fps
        var values = floors.map { $0.base + $0.spread * generator.unit() }
        if t > onset && t < offset {
            values[3] += height * sin(.pi * (t < apex ? (t - onset) : (t - apex)) / (apex - onset))
        }
        return values
    }
}

private func spot(_ frames: [[Double]], fps: Double, equalise: Bool) -> [SpottedInterval] {
    var settings = SpotterSettings()
    settings.equaliseRegions = equalise
    var spotter = ApexSpotter(fps: fps, gap: Int((0.2 * fps).rounded()), settings: settings)
    var found: [SpottedInterval] = []
    for (i, r) in frames.enumerated() { if let e = spotter.push(frame: i, regions: r) { found.append(e) } }
    if let e = spotter.flush() { found.append(e) }
    return found
}

@Suite struct RegionNoiseTests {
    @Test func gainsMoveEachFloorToThePooledLevel() {
        var noise = RegionNoise(capacity: 100)
        for _ in 0..<50 { noise.learn([0.1, 0.025, 0.05, 0.05, 0.05, 0.05]) }
        noise.refresh()
        #expect(noise.gains == [0.5, 2, 1, 1, 1, 1])
        // A quiet region's motion counts by its own floor: 0.1 there is twice the pooled 0.05.
        #expect(noise.combine([0.1, 0.1, 0.05, 0.05, 0.05, 0.05]) == 0.2)
    }

    @Test func equalFloorsKeepThePlainLargest() {
        var noise = RegionNoise(capacity: 10)
        #expect(noise.combine([0.3, 0.1]) == 0.3)   // nothing learned yet
        for _ in 0..<10 { noise.learn([0.05, 0.05, 0.05]) }
        noise.refresh()
        #expect(noise.combine([0.3, 0.1, 0.2]) == 0.3)
    }

    /// Two regions with the same median: one steady, one quiet on 80 % of its frames but
    /// bursting on the rest (the edge of a turned face as the head sways). The bursting
    /// one is the noisier: its bursts, not its typical frame, would cross the threshold.
    @Test func aRegionThatBurstsCountsAsNoisy() {
        var noise = RegionNoise(capacity: 100)
        for i in 0..<100 { noise.learn([0.05, i % 5 == 0 ? 0.3 : 0.05, 0.05]) }
        noise.refresh()
        #expect(noise.gains[0] == 1 && noise.gains[2] == 1)
        #expect(noise.gains[1] == RegionNoise.gainRange.lowerBound)
        // The burst alone no longer outscores a steady region's motion of half its size.
        #expect(noise.combine([0.05, 0.3, 0.16]) == 0.16)
    }

    @Test func aQuantileOfTheHeldValues() {
        var values = SlidingStatistics(capacity: 10)
        for v in [5.0, 1, 9, 3, 7, 2, 8, 4, 6, 10, 0] { values.push(v) }  // the 11th pushes 5 out
        #expect(values.quantile(0.5) == values.median())
        #expect(values.quantile(0.5) == 6)
        #expect(values.quantile(0.8) == 9)
        #expect(values.quantile(0) == 0 && values.quantile(1) == 10)
        #expect(SlidingStatistics(capacity: 3).quantile(0.9) == 0)
    }

    @Test func gainsAreBounded() {
        var noise = RegionNoise(capacity: 10)
        for _ in 0..<10 { noise.learn([0.001, 0.05, 0.05, 0.05, 5]) }
        noise.refresh()
        #expect(noise.gains.first == RegionNoise.gainRange.upperBound)
        #expect(noise.gains.last == RegionNoise.gainRange.lowerBound)
    }

    /// The faint mouth movement rises far above the mouth's floor but not above the
    /// brows' noise: found with equalisation, lost under the plain largest score.
    @Test(arguments: [30.0, 200.0])
    func aFaintExpressionInAQuietRegionIsFound(fps: Double) {
        let frames = regions(seconds: 12, fps: fps, onset: 8, offset: 8.3, height: 0.15)
        let found = spot(frames, fps: fps, equalise: true)
        #expect(found.count == 1)
        if let e = found.first {
            #expect(abs(Double(e.onset) / fps - 8) < 0.2 && abs(Double(e.offset) / fps - 8.3) < 0.25, "\(e)")
        }
        #expect(spot(frames, fps: fps, equalise: false).isEmpty)
        // And the same noise with no expression spots nothing.
        #expect(spot(regions(seconds: 12, fps: fps, onset: 8, offset: 8.3, height: 0), fps: fps, equalise: true).isEmpty)
    }
}
