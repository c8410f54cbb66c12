import Testing
@testable import MexPipeline

@Suite struct FrameGapsTests {
    @Test func countsTheIndicesMissingInsideAnEvent() {
        var gaps = FrameGaps(horizon: 100)
        for index in [0, 1, 2, 5, 6, 7, 10, 11, 20] { gaps.note(index) }
        // Missing: 3, 4, 8, 9, 12...19.
        #expect(gaps.lost(between: 0, and: 20) == 12)
        #expect(gaps.lost(between: 2, and: 5) == 2)
        #expect(gaps.lost(between: 4, and: 9) == 1, "only 8 lies strictly between the two ends")
        #expect(gaps.lost(between: 5, and: 7) == 0)
        #expect(gaps.lost(between: 14, and: 17) == 2)
    }

    @Test func forgetsGapsPastTheHorizon() {
        var gaps = FrameGaps(horizon: 10)
        for index in [0, 3, 4] + Array(5...30) { gaps.note(index) }
        #expect(gaps.gaps.isEmpty)
        #expect(gaps.lost(between: 0, and: 4) == 0)
        gaps.note(40)
        #expect(gaps.gaps.count == 1 && gaps.lost(between: 30, and: 40) == 9)
    }

    @Test func contiguousFramesLoseNothing() {
        var gaps = FrameGaps(horizon: 10)
        for index in 0..<1000 { gaps.note(index) }
        #expect(gaps.gaps.isEmpty && gaps.lost(between: 0, and: 999) == 0)
    }
}
