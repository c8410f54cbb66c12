import Foundation
import Testing
@testable import MexEvaluation

private func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }

/// STRS and the analysis figures: the worked example of the MEGC STRS metric's README
/// and two cases worked out by hand.
@Suite struct STRSTests {
    @Test func theChallengeExampleGivesSTRS02() throws {
        let truth = [ex("EP02_01f", 45, 85, .micro, "happiness"), ex("EP03_02", 130, 160, .micro, "others"),
                     ex("EP04_02", 20, 75, .micro, "others"), ex("EP01_11f", 45, 95, .micro, "repression"),
                     ex("EP02_04f", 30, 140, .micro, "repression")]
        let predictions = [ex("EP02_01f", 10, 70, .micro, "happiness"), ex("EP03_02", 100, 170, .micro, "others"),
                           ex("EP04_02", 0, 70, .micro, "others"), ex("EP01_11f", 20, 90, .micro, "happiness"),
                           ex("EP02_04f", 70, 140, .micro, "happiness")]
        let report = SpottingEvaluation.evaluate(truth: truth, predictions: predictions)
        // IoUs: EP02_01f 26/76, EP03_02 31/71 (missed: 2 FP, 2 FN); EP04_02 51/76,
        // EP01_11f 46/76, EP02_04f 71/111 (found). F1 = 6 / (6 + 2 + 2) = 0.6.
        #expect(report.overall == SpottingCounts(truePositives: 3, falsePositives: 2, falseNegatives: 2))
        #expect(close(report.overall.f1, 0.6))
        // Pairs others -> others, repression -> happiness twice; classes from all the ground truth.
        let analysis = try #require(report.analysis)
        #expect(analysis.classes == ["happiness", "others", "repression"])
        #expect(analysis.perClass == [SpottingCounts(truePositives: 0, falsePositives: 2, falseNegatives: 0),
                                      SpottingCounts(truePositives: 1, falsePositives: 0, falseNegatives: 0),
                                      SpottingCounts(truePositives: 0, falsePositives: 0, falseNegatives: 2)])
        // Precision (0 + 1 + 0) / 3, recall (0 + 1 + 0) / 3, F1 1/3; STRS 0.6 x 1/3.
        #expect(close(analysis.precision, 1.0 / 3) && close(analysis.recall, 1.0 / 3))
        #expect(close(analysis.f1, 1.0 / 3))
        #expect(close(analysis.uf1, 1.0 / 3) && close(analysis.uar, 1.0 / 3))
        #expect(close(report.strs, 0.2))
        #expect(report.text.contains("STRS 0.2000 (spotting F1 0.6000 x analysis F1 0.3333)"), "\(report.text)")
    }

    @Test func analysisF1IsTheHarmonicMeanOfTheMeansNotUF1() throws {
        // Every prediction exact, so the labels alone decide. Pairs (truth -> prediction):
        // negative -> negative twice, negative -> positive, positive -> positive,
        // surprise -> negative; a surprise missed (FN) and two stray predictions (FP).
        let truth = [ex("a", 0, 9, .micro, "negative"), ex("a", 20, 29, .micro, "negative"), ex("a", 40, 49, .micro, "negative"),
                     ex("b", 0, 9, .micro, "positive"), ex("b", 20, 29, .micro, "surprise"), ex("b", 40, 49, .micro, "surprise")]
        let predictions = [ex("a", 0, 9, .micro, "negative"), ex("a", 20, 29, .micro, "negative"), ex("a", 40, 49, .micro, "positive"),
                           ex("b", 0, 9, .micro, "positive"), ex("b", 20, 29, .micro, "negative"),
                           ex("b", 100, 109, .micro, "positive"), ex("c", 0, 9, .micro, "surprise")]
        let report = SpottingEvaluation.evaluate(truth: truth, predictions: predictions)
        // TP 5, FP 2, FN 1: F1 10/13.
        #expect(report.overall == SpottingCounts(truePositives: 5, falsePositives: 2, falseNegatives: 1))
        let analysis = try #require(report.analysis)
        // negative: TP 2, FP 1, FN 1 -> P 2/3, R 2/3, F1 2/3; positive: TP 1, FP 1 -> P 1/2, R 1, F1 2/3;
        // surprise: FN 1 -> 0, 0, 0. Precision 7/18, recall 5/9, F1 2 x 7/18 x 10/18 / (17/18) = 70/153.
        #expect(analysis.scoredPairs == 5)
        #expect(close(analysis.precision, 7.0 / 18) && close(analysis.recall, 5.0 / 9))
        #expect(close(analysis.f1, 70.0 / 153))
        #expect(close(analysis.uf1, 4.0 / 9) && close(analysis.uar, 5.0 / 9))
        #expect(close(report.strs, 10.0 / 13 * 70 / 153))
    }

    @Test func namedClassesDropOtherGroundTruthAndCountMissingLabelsAsWrong() throws {
        // a: [0,19] positive finds both halves (IoU 0.5 each): positive -> positive, negative -> positive.
        // b: others -> negative, and negative -> (no label). c: a surprise missed and a stray
        // surprise (FN 1, FP 1). d: surprise -> surprise. Spotting TP 5, FP 1, FN 1: F1 5/6.
        let truth = [ex("a", 0, 9, .micro, "positive"), ex("a", 10, 19, .micro, "negative"),
                     ex("b", 0, 9, .micro, "others"), ex("b", 30, 39, .micro, "negative"),
                     ex("c", 0, 9, .micro, "surprise"), ex("d", 0, 9, .micro, "surprise")]
        let predictions = [ex("a", 0, 19, .micro, "positive"),
                           ex("b", 0, 9, .micro, "negative"), ex("b", 30, 39, .micro, nil),
                           ex("c", 50, 59, .micro, "surprise"), ex("d", 0, 9, .micro, "surprise")]
        let named = SpottingEvaluation.evaluate(truth: truth, predictions: predictions, classes: ["negative", "positive", "surprise"])
        #expect(named.overall == SpottingCounts(truePositives: 5, falsePositives: 1, falseNegatives: 1))
        // The others pair is not scored. negative: FN 2 -> 0, 0, 0; positive: TP 1, FP 1 -> 1/2, 1, 2/3;
        // surprise: TP 1 -> 1, 1, 1. Precision 1/2, recall 2/3, F1 4/7; UF1 5/9, UAR 2/3.
        let a = try #require(named.analysis)
        #expect(a.scoredPairs == 4)
        #expect(close(a.precision, 0.5) && close(a.recall, 2.0 / 3) && close(a.f1, 4.0 / 7))
        #expect(close(a.uf1, 5.0 / 9) && close(a.uar, 2.0 / 3))
        #expect(close(named.strs, 5.0 / 6 * 4 / 7))
        // By default the classes are the ground truth's four: others -> negative is scored and
        // negative gains FP 1; others: FN 1 -> 0. Precision 3/8, recall 1/2, F1 3/7.
        let all = try #require(SpottingEvaluation.evaluate(truth: truth, predictions: predictions).analysis)
        #expect(all.classes == ["negative", "others", "positive", "surprise"])
        #expect(all.scoredPairs == 5)
        #expect(close(all.precision, 3.0 / 8) && close(all.recall, 0.5) && close(all.f1, 3.0 / 7))
        #expect(close(all.uf1, 5.0 / 12) && close(all.uar, 0.5))
    }

    @Test func noAnalysisWithoutPredictedLabels() {
        let report = SpottingEvaluation.evaluate(truth: [ex("a", 0, 9, .micro, "positive")], predictions: [ex("a", 0, 9)])
        #expect(report.overall.truePositives == 1)
        #expect(report.analysis == nil && report.strs == nil)
        #expect(!report.text.contains("STRS"))
    }
}
