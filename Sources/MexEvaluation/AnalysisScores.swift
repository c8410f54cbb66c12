/// How well the labels of the matched pairs agree, over a set of classes: the analysis
/// figures of MEGC's STRS metric (Liong, See and Chan 2023, as the challenge's
/// evaluation script computes them) and, beside them, the UF1 and UAR of the
/// micro-expression recognition literature.
///
/// Only pairs whose ground-truth label is one of the classes are scored. For a class c,
/// TP_c counts the pairs labelled c on both sides, FP_c those predicted c but labelled
/// otherwise, FN_c those labelled c but predicted otherwise or not at all; precision_c,
/// recall_c and F1_c follow, each 0 where its denominator is 0. The analysis precision
/// and recall are the means of precision_c and recall_c over the classes, and the
/// analysis F1 is their harmonic mean (it is not the mean of F1_c). UF1 is the mean of
/// F1_c, UAR the mean of recall_c.
///
/// One case differs from the script: when every scored pair is of one class on both
/// sides, the script's two-by-two confusion matrix collapses to one cell and it scores
/// that class 0 (then divides 0 by 0); here the class scores 1.
public struct AnalysisScores: Sendable, Equatable {
    public var classes: [String]
    /// TP_c, FP_c and FN_c, in the order of `classes`.
    public var perClass: [SpottingCounts]
    /// The matched pairs scored: those whose ground-truth label is one of the classes.
    public var scoredPairs: Int
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var uf1: Double
    public var uar: Double

    /// The challenge's default classes: every label in the ground truth, sorted.
    public static func classes(in truth: [SpottedExpression]) -> [String] {
        Set(truth.compactMap(\.label)).sorted()
    }

    /// `classes` are used in the order given, each once.
    public init(pairs: [MatchedPair], classes: [String]) {
        var seen = Set<String>()
        self.classes = classes.filter { seen.insert($0).inserted }
        let scored = pairs.filter { $0.truth.label.map(seen.contains) ?? false }
        scoredPairs = scored.count
        perClass = self.classes.map { c in
            SpottingCounts(truePositives: scored.filter { $0.truth.label == c && $0.prediction.label == c }.count,
                           falsePositives: scored.filter { $0.truth.label != c && $0.prediction.label == c }.count,
                           falseNegatives: scored.filter { $0.truth.label == c && $0.prediction.label != c }.count)
        }
        func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        precision = mean(perClass.map(\.precision))
        recall = mean(perClass.map(\.recall))
        f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        uf1 = mean(perClass.map(\.f1))
        uar = mean(perClass.map(\.recall))
    }
}
