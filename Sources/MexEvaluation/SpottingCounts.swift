/// True positives, false positives and false negatives, with the precision, recall and
/// F1 they give. Spotting counts intervals with these; the analysis counts, per class,
/// the matched pairs.
public struct SpottingCounts: Sendable, Equatable {
    public var truePositives = 0
    public var falsePositives = 0
    public var falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
    }

    /// TP / (TP + FP); 0 when nothing was predicted.
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    /// TP / (TP + FN); 0 when there was nothing to find.
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// 2TP / (2TP + FP + FN), the harmonic mean of precision and recall; 0 when TP is 0.
    public var f1: Double { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
}

/// a / b, or 0 when b is 0 (the challenge's convention for an empty denominator).
func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : 0 }
