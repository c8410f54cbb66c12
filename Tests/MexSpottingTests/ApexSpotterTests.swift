import Foundation
import Testing
@testable import MexSpotting

/// A motion score like MotionScorer's: a noise floor, and for each expression two
/// bumps (the face moving to the apex and back) of `height` pixels.
func signal(seconds: Double, fps: Double, gap: Int, events: [(onset: Double, apex: Double, offset: Double, height: Double)],
                    seed: UInt64 = 1) -> [Double] {
    var generator = SplitMix(seed: seed)
    let n = Int(seconds * fps)
    var position = [Double](repeating: 0, count: n)
    for e in events {
        for i in 0..<n {
            let t = Double(i) / fps
            if t > e.onset && t <= e.apex {
                position[i] = e.height * 0.5 * (1 - cos(.pi * (t - e.onset) / (e.apex - e.onset)))
            } else if t > e.apex && t < e.offset {
                position[i] = e.height * 0.5 * (1 + cos(.pi * (t - e.apex) / (e.offset - e.apex)))
            }
        }
    }
    return (0..<n).map { i in
        let moved = i >= gap ? abs(position[i] - position[i - gap]) : 0
        return 0.08 + 0.03 * generator.unit() + moved
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}

private func run(_ scores: [Double], fps: Double, gap: Int, settings: SpotterSettings = SpotterSettings()) -> [SpottedInterval] {
    var spotter = ApexSpotter(fps: fps, gap: gap, settings: settings)
    var found: [SpottedInterval] = []
    for (i, s) in scores.enumerated() { if let e = spotter.push(frame: i, score: s) { found.append(e) } }
    if let e = spotter.flush() { found.append(e) }
    return found
}

@Suite struct ApexSpotterTests {
    @Test(arguments: [30.0, 200.0])
    func findsMicroExpressionsWithTheirIntervals(fps: Double) {
        let gap = Int((0.1 * fps).rounded())
        let truth = [(onset: 5.0, apex: 5.15, offset: 5.35, height: 1.5), (onset: 12.0, apex: 12.12, offset: 12.3, height: 1.0),
                     (onset: 20.0, apex: 20.6, offset: 21.5, height: 2.0)]
        let found = run(signal(seconds: 25, fps: fps, gap: gap, events: truth), fps: fps, gap: gap)
        #expect(found.count == 3, "\(found)")
        guard found.count == 3 else { return }
        for (e, t) in zip(found, truth) {
            let onset = Int((t.onset * fps).rounded()), offset = Int((t.offset * fps).rounded())
            let inter = max(0, min(offset, e.offset) - max(onset, e.onset) + 1)
            let union = (offset - onset + 1) + (e.offset - e.onset + 1) - inter
            #expect(Double(inter) / Double(union) >= 0.5, "IoU of \(e) against \(onset)-\(offset)")
            // Decided within a second of the apex.
            #expect(Double(e.decidedAt) / fps - t.apex < 1.0 + (t.offset - t.apex))
        }
        #expect(found[0].kind == .micro && found[1].kind == .micro && found[2].kind == .macro)
    }

    @Test func noiseAloneSpotsNothing() {
        for seed in 1...5 as ClosedRange<UInt64> {
            let found = run(signal(seconds: 120, fps: 30, gap: 3, events: [], seed: seed), fps: 30, gap: 3)
            #expect(found.isEmpty, "seed \(seed): \(found)")
        }
    }

    @Test func nothingDuringWarmUp() {
        let found = run(signal(seconds: 5, fps: 30, gap: 3, events: [(0.5, 0.65, 0.8, 2.0)]), fps: 30, gap: 3)
        #expect(found.isEmpty)
    }

    @Test func longMovementIsDroppedUnlessAsked() {
        // Six seconds of continuous motion (talking, chewing): back-to-back bursts.
        var bursts: [(onset: Double, apex: Double, offset: Double, height: Double)] = []
        for k in 0..<20 {
            let start: Double = 5 + 0.3 * Double(k)
            bursts.append((onset: start, apex: start + 0.15, offset: start + 0.3, height: 1.5))
        }
        let scores = signal(seconds: 20, fps: 30, gap: 3, events: bursts)
        #expect(run(scores, fps: 30, gap: 3).isEmpty)
        var settings = SpotterSettings()
        settings.reportMovement = true
        #expect(run(scores, fps: 30, gap: 3, settings: settings).first?.kind == .movement)
    }

    /// Frames missing from a track (the face not found on them) keep their indices, as
    /// the pipeline gives them. Two expressions 0.9 s apart, the first cut at different
    /// places: a gap of more than 0.1 s starts the spotter over, which drops the run open
    /// at the gap and does not take motion already under way when the track resumes for
    /// an expression; a shorter gap is bridged. The noise levels survive the restart: the
    /// second expression is found 0.9 s after the gap, where a new spotter would still be
    /// in its 1 s warm-up.
    @Test func aGapInTheTrackRestartsTheSpotter() {
        let fps = 30.0
        let scores = signal(seconds: 16, fps: fps, gap: 3, events: [(onset: 10.0, apex: 10.15, offset: 10.35, height: 1.5),
                                                                     (onset: 10.9, apex: 11.05, offset: 11.25, height: 1.5)])
        func spot(missing: Range<Int>) -> [SpottedInterval] {
            var spotter = ApexSpotter(fps: fps, gap: 3)
            var found: [SpottedInterval] = []
            for (i, score) in scores.enumerated() where !missing.contains(i) {
                if let e = spotter.push(frame: i, score: score) { found.append(e) }
            }
            if let e = spotter.flush() { found.append(e) }
            return found
        }
        func frames(_ found: [SpottedInterval]) -> [[Int]] { found.map { [$0.onset, $0.apex, $0.offset] } }
        let whole = spot(missing: 0..<0)
        #expect(frames(whole) == [[300, 304, 310], [327, 331, 337]])
        #expect(whole.allSatisfy { $0.kind == .micro })
        let second = frames(Array(whole.suffix(1)))

        // 3 frames (0.1 s) lost just after the first onset: bridged, both found.
        let bridged = spot(missing: 303..<306)
        #expect(bridged.count == 2 && bridged.first?.onset == 300 && bridged.first?.offset == 310, "\(bridged)")
        #expect(frames(Array(bridged.suffix(1))) == second)
        // 4 frames: a gap; the first expression's run is dropped.
        #expect(frames(spot(missing: 303..<307)) == second)
        // The track resumes in the middle of the first expression: not an event.
        #expect(frames(spot(missing: 290..<303)) == second)
    }

    @Test func slidingStatisticsKeepMeanAndMax() {
        var s = SlidingStatistics(capacity: 3)
        for v in [1.0, 5, 2, 3, 1] { s.push(v) }
        #expect(s.values == [2, 3, 1])
        #expect(s.mean == 2)
        #expect(s.maximum == 3)
        #expect(s.recent(0) == 1 && s.recent(2) == 2 && s.recent(3) == nil)
        let (median, sigma) = s.medianAndSigma()
        #expect(median == 2 && abs(sigma - 1.4826) < 1e-12)
        #expect(s.median() == 2)
    }

    /// The median is that of the last `capacity` values pushed, read through the ring
    /// before and after it wraps; for an even count it is the upper middle. Checked
    /// while the window fills and after it wraps, against a sort of a separately kept
    /// copy of the window, and against `medianAndSigma`.
    @Test func medianIsTheUpperMiddleOfTheWindow() {
        #expect(SlidingStatistics(capacity: 4).median() == 0, "nothing pushed yet")
        var worked = SlidingStatistics(capacity: 4)
        for v in [9.0, 1, 4, 3, 2] { worked.push(v) }
        #expect(worked.median() == 3, "9 has left the window; of 1, 2, 3, 4 the upper middle")
        worked.push(10)
        #expect(worked.median() == 4, "the window is now 4, 3, 2, 10")

        var generator = SplitMix(seed: 3)
        for capacity in [1, 2, 5, 8, 101, 600] {
            var s = SlidingStatistics(capacity: capacity)
            var pushed: [Double] = []
            var wrong: [Int] = []
            for n in 0..<(2 * capacity + 7) {
                // Quantised to a quarter, so that many values repeat.
                let v = (generator.unit() * 20).rounded() / 4
                s.push(v)
                pushed.append(v)
                // About 50 checks per capacity; each sorts the window.
                guard n % max(1, capacity / 25) == 0 else { continue }
                let window = pushed.suffix(capacity).sorted()
                let expected = window[window.count / 2]
                if s.median() != expected || s.medianAndSigma().median != expected { wrong.append(n) }
            }
            #expect(wrong.isEmpty, "capacity \(capacity): wrong after pushes \(wrong.prefix(10))")
        }
    }
}

@Suite struct OfflineSpotterTests {
    @Test func findsTheSameEventsWithHindsight() {
        let fps = 30.0
        let truth = [(onset: 5.0, apex: 5.15, offset: 5.35, height: 1.5), (onset: 12.0, apex: 12.12, offset: 12.3, height: 1.0)]
        let found = OfflineSpotter.spot(scores: signal(seconds: 20, fps: fps, gap: 3, events: truth), fps: fps, gap: 3)
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.kind == .micro })
        if let first = found.first { #expect(abs(first.onset - 150) <= 3 && abs(first.offset - 160) <= 3, "\(first)") }
    }
}

/// The spotter fed as FacePipeline feeds it: the score, and during a run the
/// displacement from the run's reference frame, with the frames since the reference
/// backfilled when the run opens. `position` is how far the face is from where it began.
private func runWithDisplacement(_ position: [Double], fps: Double, gap: Int, seed: UInt64 = 3) -> [SpottedInterval] {
    var generator = SplitMix(seed: seed)
    var noise: [Double] { (0..<position.count).map { _ in 0.03 * generator.unit() } }
    let scoreNoise = noise, displacementNoise = noise
    var spotter = ApexSpotter(fps: fps, gap: gap)
    var found: [SpottedInterval] = []
    var backfilledFor: Int?
    func distance(_ f: Int, from r: Int) -> Double { abs(position[f] - position[r]) + 0.04 + displacementNoise[f] }
    for i in position.indices {
        let score = (i >= gap ? abs(position[i] - position[i - gap]) : 0) + 0.08 + scoreNoise[i]
        let displacement = spotter.referenceFrame.flatMap { r in backfilledFor == r ? distance(i, from: r) : nil }
        if let e = spotter.push(frame: i, score: score, displacement: displacement) { found.append(e) }
        if let r = spotter.referenceFrame, backfilledFor != r {
            backfilledFor = r
            spotter.backfill(((r + 1)...i).map { ($0, distance($0, from: r)) })
        }
    }
    if let e = spotter.flush() { found.append(e) }
    return found
}

@Suite struct ApexSpotterRestTests {
    /// A face that jumps a little and stays there (a compression step at a key frame, a
    /// drift) and then makes an expression within the settle time: the expression is
    /// found on its own, not swallowed by the run the jump opened.
    @Test(arguments: [30.0, 200.0])
    func anExpressionAfterAStepIsItsOwnEvent(fps: Double) {
        let gap = Int((0.2 * fps).rounded())
        let n = Int(12 * fps)
        let step = Int(5 * fps), onset = 6.2, apex = 6.45, offset = 6.7
        let position: [Double] = (0..<n).map { i in
            let t = Double(i) / fps
            var p = i >= step ? 0.35 : 0
            if t > onset && t <= apex { p += 1.2 * 0.5 * (1 - cos(.pi * (t - onset) / (apex - onset))) }
            if t > apex && t < offset { p += 1.2 * 0.5 * (1 + cos(.pi * (t - apex) / (offset - apex))) }
            return p
        }
        let found = runWithDisplacement(position, fps: fps, gap: gap).filter { $0.kind != .movement }
        let truth = (Int((onset * fps).rounded()), Int((offset * fps).rounded()))
        let matches = found.filter { e in
            let inter = max(0, min(truth.1, e.offset) - max(truth.0, e.onset) + 1)
            return Double(inter) / Double((truth.1 - truth.0 + 1) + (e.offset - e.onset + 1) - inter) >= 0.5
        }
        #expect(matches.count == 1 && matches.first?.kind == .micro, "\(found) against \(truth)")
    }
}
