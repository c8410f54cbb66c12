/// A ground-truth interval and the prediction that found it.
public struct MatchedPair: Sendable, Equatable {
    public var truth: SpottedExpression
    public var prediction: SpottedExpression

    public init(truth: SpottedExpression, prediction: SpottedExpression) {
        self.truth = truth
        self.prediction = prediction
    }
}

public struct SpottingReport: Sendable {
    public var micro: SpottingCounts
    public var macro: SpottingCounts
    public var overall: SpottingCounts
    /// Every ground-truth interval found (any kind), with the prediction that found it.
    public var matches: [MatchedPair]
    /// The analysis of the matched pairs' labels, when there are classes and the
    /// predictions carry labels.
    public var analysis: AnalysisScores?
    /// STRS, the spot-then-recognize score: overall spotting F1 x analysis F1.
    public var strs: Double? { analysis.map { overall.f1 * $0.f1 } }
}

/// MEGC spotting evaluation, counted as the challenge's evaluation script counts.
///
/// Matching goes one video at a time. Predictions are taken in the order given; each is
/// paired with every ground-truth interval of its video, in the order given, that no
/// earlier prediction took and whose IoU with it is at least 0.5 (frames, both ends
/// inclusive). TP is the number of pairs, FP the predictions paired with nothing, FN
/// the ground truth left unpaired; counts are summed over all videos before F1.
///
/// So a duplicate of a prediction that found an interval is a false positive, and one
/// prediction can find two intervals: only when they overlap, or when it covers two
/// adjacent intervals of equal length exactly (IoU 0.5 with each). Predictions on a
/// video with no ground truth are false positives (the challenge's script scores only
/// annotated videos).
public enum SpottingEvaluation {
    public static let iouThreshold = 0.5

    /// Counts and pairs for one set of ground truth and predictions (one kind, all videos).
    static func match(truth: [SpottedExpression], predictions: [SpottedExpression]) -> (SpottingCounts, [MatchedPair]) {
        let truthByVideo = Dictionary(grouping: truth, by: \.video)
        let predictionsByVideo = Dictionary(grouping: predictions, by: \.video)
        var counts = SpottingCounts()
        var pairs: [MatchedPair] = []
        for video in Set(truthByVideo.keys).union(predictionsByVideo.keys).sorted() {
            let gt = truthByVideo[video] ?? []
            var taken = [Bool](repeating: false, count: gt.count)
            for prediction in predictionsByVideo[video] ?? [] {
                var found = false
                for (i, t) in gt.enumerated() where !taken[i] && prediction.interval.iou(t.interval) >= iouThreshold {
                    taken[i] = true
                    found = true
                    pairs.append(MatchedPair(truth: t, prediction: prediction))
                }
                if !found { counts.falsePositives += 1 }
            }
            counts.falseNegatives += taken.filter { !$0 }.count
        }
        counts.truePositives = pairs.count
        return (counts, pairs)
    }

    /// Micro and macro are scored separately (predictions of one kind against ground
    /// truth of that kind), overall against everything. The analysis uses the overall
    /// pairs and `classes`, by default every label in the ground truth; it is left out
    /// when there are no classes or no prediction carries a label.
    public static func evaluate(truth: [SpottedExpression], predictions: [SpottedExpression],
                                classes: [String]? = nil) -> SpottingReport {
        let micro = match(truth: truth.filter { $0.kind == .micro }, predictions: predictions.filter { $0.kind == .micro })
        let macro = match(truth: truth.filter { $0.kind == .macro }, predictions: predictions.filter { $0.kind == .macro })
        let all = match(truth: truth, predictions: predictions)
        let classes = classes ?? AnalysisScores.classes(in: truth)
        let labelled = !classes.isEmpty && predictions.contains { $0.label != nil }
        return SpottingReport(micro: micro.0, macro: macro.0, overall: all.0, matches: all.1,
                              analysis: labelled ? AnalysisScores(pairs: all.1, classes: classes) : nil)
    }
}
