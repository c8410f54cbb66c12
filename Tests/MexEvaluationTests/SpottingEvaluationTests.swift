import Foundation
import Testing
@testable import MexEvaluation

/// One expression in `video` from `onset` to `offset`, for the tests of this target.
func ex(_ video: String, _ onset: Int, _ offset: Int, _ kind: ExpressionKind = .micro, _ label: String? = nil) -> SpottedExpression {
    SpottedExpression(video: video, interval: Interval(onset: onset, offset: offset), kind: kind, label: label)
}

@Suite struct SpottingEvaluationTests {
    @Test func iouCountsInclusiveFrames() {
        // [10,19] and [15,24]: 5 shared frames of 15 -> 1/3.
        #expect(abs(Interval(onset: 10, offset: 19).iou(Interval(onset: 15, offset: 24)) - 5.0 / 15) < 1e-12)
        // Identical single frames: 1.
        #expect(Interval(onset: 3, offset: 3).iou(Interval(onset: 3, offset: 3)) == 1)
        // Touching ends share one frame: [0,9] and [9,18] -> 1/19.
        #expect(abs(Interval(onset: 0, offset: 9).iou(Interval(onset: 9, offset: 18)) - 1.0 / 19) < 1e-12)
        #expect(Interval(onset: 0, offset: 4).iou(Interval(onset: 5, offset: 9)) == 0)
    }

    @Test func handComputedCase() {
        // Video a: GT [10,20] found by [11,21] (IoU 10/12); GT [50,60] missed by [58,70] (IoU 3/21).
        // Video b: GT [5,15] found by [5,15]; a stray prediction [100,110].
        // TP 2, FP 4 - 2 = 2, FN 3 - 2 = 1 -> F1 = 4 / (4 + 2 + 1) = 4/7.
        let truth = [ex("a", 10, 20), ex("a", 50, 60), ex("b", 5, 15)]
        let predictions = [ex("a", 11, 21), ex("a", 58, 70), ex("b", 5, 15), ex("b", 100, 110)]
        let report = SpottingEvaluation.evaluate(truth: truth, predictions: predictions)
        #expect(report.overall == SpottingCounts(truePositives: 2, falsePositives: 2, falseNegatives: 1))
        #expect(abs(report.overall.f1 - 4.0 / 7) < 1e-12)
        #expect(abs(report.overall.precision - 0.5) < 1e-12)
        #expect(abs(report.overall.recall - 2.0 / 3) < 1e-12)
    }

    @Test func duplicatePredictionsCountOnceAndTheRestAreFalse() {
        // Three predictions on one GT: the GT is found once; the other two are FP.
        let report = SpottingEvaluation.evaluate(truth: [ex("a", 10, 20)],
                                                 predictions: [ex("a", 10, 20), ex("a", 11, 20), ex("a", 10, 19)])
        #expect(report.overall == SpottingCounts(truePositives: 1, falsePositives: 2, falseNegatives: 0))
        #expect(abs(report.overall.f1 - 0.5) < 1e-12)
    }

    @Test func oneWidePredictionOverTwoGroundTruthsFindsNeither() {
        // [0,40] over GTs [0,9] and [30,40]: IoUs 10/41 and 11/41, both below 0.5.
        let report = SpottingEvaluation.evaluate(truth: [ex("a", 0, 9), ex("a", 30, 40)], predictions: [ex("a", 0, 40)])
        #expect(report.overall == SpottingCounts(truePositives: 0, falsePositives: 1, falseNegatives: 2))
        #expect(report.overall.f1 == 0)
    }

    @Test func onePredictionOverTwoAdjacentHalvesFindsBoth() {
        // [0,19] over GTs [0,9] and [10,19]: IoU 10/20 = 0.5 with each, and the challenge's
        // script pairs a prediction with every untaken GT it reaches: TP 2, no FP.
        let report = SpottingEvaluation.evaluate(truth: [ex("a", 0, 9), ex("a", 10, 19)], predictions: [ex("a", 0, 19)])
        #expect(report.overall == SpottingCounts(truePositives: 2, falsePositives: 0, falseNegatives: 0))
        #expect(report.matches.map(\.truth.interval.onset) == [0, 10])
    }

    @Test func aPredictionFindingOnlyTakenGroundTruthIsFalse() {
        // [0,19] takes both halves first, so [0,9] after it finds nothing untaken: FP.
        let halves = [ex("a", 0, 9), ex("a", 10, 19)]
        let wideFirst = SpottingEvaluation.evaluate(truth: halves, predictions: [ex("a", 0, 19), ex("a", 0, 9)])
        #expect(wideFirst.overall == SpottingCounts(truePositives: 2, falsePositives: 1, falseNegatives: 0))
        // The other way round [0,9] takes [0,9] and [0,19] then takes [10,19]: no FP.
        let wideLast = SpottingEvaluation.evaluate(truth: halves, predictions: [ex("a", 0, 9), ex("a", 0, 19)])
        #expect(wideLast.overall == SpottingCounts(truePositives: 2, falsePositives: 0, falseNegatives: 0))
    }

    @Test func theFirstPredictionInOrderIsPairedNotTheBest() {
        // [2,11] (IoU 8/12) comes before the exact [0,9]: it takes the GT, the exact one is FP.
        let report = SpottingEvaluation.evaluate(truth: [ex("a", 0, 9)], predictions: [ex("a", 2, 11), ex("a", 0, 9)])
        #expect(report.overall == SpottingCounts(truePositives: 1, falsePositives: 1, falseNegatives: 0))
        #expect(report.matches.map(\.prediction.interval) == [Interval(onset: 2, offset: 11)])
    }

    @Test func exactlyHalfIsATruePositive() {
        // [0,9] vs [0,19]: IoU 10/20 = 0.5.
        let report = SpottingEvaluation.evaluate(truth: [ex("a", 0, 19)], predictions: [ex("a", 0, 9)])
        #expect(report.overall.truePositives == 1)
    }

    @Test func countsAreSummedOverVideosBeforeF1() {
        // Video a: 1 TP. Video b: 2 FN, 0 predictions. Per-video F1 mean would be (1 + 0)/2;
        // summed counts give 2 / (2 + 0 + 2) = 0.5 too, so add an FP in c to tell them apart:
        // totals TP 1, FP 1, FN 2 -> 2/5.
        let truth = [ex("a", 0, 9), ex("b", 0, 9), ex("b", 20, 29)]
        let predictions = [ex("a", 0, 9), ex("c", 0, 9)]
        let report = SpottingEvaluation.evaluate(truth: truth, predictions: predictions)
        #expect(abs(report.overall.f1 - 0.4) < 1e-12)
    }

    @Test func microAndMacroAreScoredSeparately() {
        let truth = [ex("a", 0, 9, .micro), ex("a", 100, 199, .macro)]
        // The macro GT is found by a prediction typed micro: counts overall, not in macro.
        let predictions = [ex("a", 0, 9, .micro), ex("a", 100, 199, .micro)]
        let report = SpottingEvaluation.evaluate(truth: truth, predictions: predictions)
        #expect(report.micro == SpottingCounts(truePositives: 1, falsePositives: 1, falseNegatives: 0))
        #expect(report.macro == SpottingCounts(truePositives: 0, falsePositives: 0, falseNegatives: 1))
        #expect(report.overall == SpottingCounts(truePositives: 2, falsePositives: 0, falseNegatives: 0))
    }

    @Test func filesAreReadAndBadRowsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-eval-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let csv = dir.appendingPathComponent("gt.csv")
        try "video,onset,apex,offset,type,au,label\nclips/s1.mp4,10,14,20,micro,AU12,positive\ns2.mp4,5,,9,macro,,\n".write(to: csv, atomically: true, encoding: .utf8)
        let truth = try EvaluationFiles.readAnnotations(csv.path)
        #expect(truth == [SpottedExpression(video: "s1.mp4", interval: Interval(onset: 10, offset: 20), apex: 14, kind: .micro, label: "positive"),
                          SpottedExpression(video: "s2.mp4", interval: Interval(onset: 5, offset: 9), kind: .macro)])
        let jsonl = dir.appendingPathComponent("p.jsonl")
        try """
            {"class":"SOURCE","source":"x/s1.mp4"}
            {"class":"EVENT","source":"x/s1.mp4","kind":"micro","onset":{"frame":11},"apex":{"frame":14},"offset":{"frame":20},"label":"negative"}
            {"class":"EOF","source":"x/s1.mp4"}

            """.write(to: jsonl, atomically: true, encoding: .utf8)
        let predictions = try EvaluationFiles.readPredictions(jsonl.path)
        #expect(predictions == [SpottedExpression(video: "s1.mp4", interval: Interval(onset: 11, offset: 20), apex: 14, kind: .micro, label: "negative")])

        let bad = dir.appendingPathComponent("bad.csv")
        try "video,onset,apex,offset,type,au,label\ns1.mp4,10,14,20,micro,,\ns1.mp4,30,x,40,micro,,\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: EvaluationFileError(file: bad.path, row: 3, message: "apex 'x' is not a frame number")) {
            try EvaluationFiles.readAnnotations(bad.path)
        }
        let badType = dir.appendingPathComponent("badtype.csv")
        try "video,onset,apex,offset,type,au,label\ns1.mp4,10,14,20,tiny,,\n".write(to: badType, atomically: true, encoding: .utf8)
        #expect(throws: EvaluationFileError(file: badType.path, row: 2, message: "type 'tiny' is neither micro nor macro")) {
            try EvaluationFiles.readAnnotations(badType.path)
        }
    }
}
