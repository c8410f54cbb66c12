/// MEGC spotting evaluation: a prediction is a true positive for a ground-truth
/// interval when IoU >= 0.5 (inclusive frames). Counting follows the challenge's
/// official scripts: TP is the number of ground-truth intervals found, FP the
/// predictions left over, FN the ground truth not found; counts are summed over all
/// videos before F1 is computed.
public struct SpottingCounts: Sendable, Equatable {
    public var truePositives = 0
    public var falsePositives = 0
    public var falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
    }

    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// 2TP / (2TP + FP + FN); 0 when there is nothing at all.
    public var f1: Double { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }

    static func + (a: SpottingCounts, b: SpottingCounts) -> SpottingCounts {
        SpottingCounts(truePositives: a.truePositives + b.truePositives, falsePositives: a.falsePositives + b.falsePositives,
                       falseNegatives: a.falseNegatives + b.falseNegatives)
    }
}

func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : 0 }

public struct SpottingReport: Sendable {
    public var micro: SpottingCounts
    public var macro: SpottingCounts
    public var overall: SpottingCounts
    /// Ground truth found, with the prediction that found it (best IoU), for recognition.
    public var matches: [(truth: SpottedExpression, prediction: SpottedExpression)]
    /// Recognition on the matched pairs, when both sides carry labels.
    public var recognition: RecognitionScores?
    /// Spotting F1 x recognition UF1 (STRS), when labels are present.
    public var strs: Double? { recognition.map { overall.f1 * $0.uf1 } }
}

public enum SpottingEvaluation {
    public static let iouThreshold = 0.5

    /// Counts for one set of ground truth and predictions (one kind, all videos).
    static func count(truth: [SpottedExpression], predictions: [SpottedExpression])
        -> (SpottingCounts, [(truth: SpottedExpression, prediction: SpottedExpression)]) {
        var counts = SpottingCounts()
        var matches: [(truth: SpottedExpression, prediction: SpottedExpression)] = []
        let videos = Set(truth.map(\.video)).union(predictions.map(\.video))
        for video in videos.sorted() {
            let gt = truth.filter { $0.video == video }
            let pred = predictions.filter { $0.video == video }
            var found = 0
            for t in gt {
                let best = pred.max { $0.interval.iou(t.interval) < $1.interval.iou(t.interval) }
                if let best, best.interval.iou(t.interval) >= iouThreshold {
                    found += 1
                    matches.append((t, best))
                }
            }
            counts.truePositives += found
            counts.falsePositives += max(0, pred.count - found)
            counts.falseNegatives += gt.count - found
        }
        return (counts, matches)
    }

    /// Micro and macro are scored separately (predictions of one kind against ground
    /// truth of that kind), overall against everything.
    public static func evaluate(truth: [SpottedExpression], predictions: [SpottedExpression]) -> SpottingReport {
        let micro = count(truth: truth.filter { $0.kind == .micro }, predictions: predictions.filter { $0.kind == .micro })
        let macro = count(truth: truth.filter { $0.kind == .macro }, predictions: predictions.filter { $0.kind == .macro })
        let all = count(truth: truth, predictions: predictions)
        let labelled = all.1.compactMap { pair -> (String, String)? in
            guard let t = pair.truth.label, let p = pair.prediction.label else { return nil }
            return (t, p)
        }
        let recognition = labelled.isEmpty ? nil : RecognitionScores(pairs: labelled)
        return SpottingReport(micro: micro.0, macro: macro.0, overall: all.0, matches: all.1, recognition: recognition)
    }
}

/// Unweighted F1 and average recall over the classes present in the ground truth.
public struct RecognitionScores: Sendable {
    public var uf1: Double
    public var uar: Double
    public var classes: [String]

    /// `pairs` are (true label, predicted label).
    public init(pairs: [(String, String)]) {
        classes = Array(Set(pairs.map(\.0))).sorted()
        var f1s: [Double] = [], recalls: [Double] = []
        for c in classes {
            let tp = pairs.filter { $0.0 == c && $0.1 == c }.count
            let fp = pairs.filter { $0.0 != c && $0.1 == c }.count
            let fn = pairs.filter { $0.0 == c && $0.1 != c }.count
            f1s.append(ratio(2 * tp, 2 * tp + fp + fn))
            recalls.append(ratio(tp, tp + fn))
        }
        uf1 = f1s.reduce(0, +) / Double(max(1, classes.count))
        uar = recalls.reduce(0, +) / Double(max(1, classes.count))
    }
}
