import Foundation

extension SpottingReport {
    /// The report as `mexd eval` prints it: spotting counts per kind, then, with labels,
    /// the analysis figures and STRS.
    public var text: String {
        var out = "spotting (IoU >= 0.5)     TP    FP    FN  precision  recall      F1\n"
        for (name, c) in [("micro", micro), ("macro", macro), ("overall", overall)] {
            out += name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%6d%6d%6d %10.4f %7.4f %7.4f\n", c.truePositives, c.falsePositives, c.falseNegatives,
                         c.precision, c.recall, c.f1)
        }
        if let a = analysis, let strs {
            out += "analysis of \(a.scoredPairs) matched events, \(a.classes.count) classes (\(a.classes.joined(separator: ", ")))\n"
            out += String(format: "  precision %.4f  recall %.4f  F1 %.4f\n", a.precision, a.recall, a.f1)
            out += String(format: "  UF1 %.4f  UAR %.4f\n", a.uf1, a.uar)
            out += String(format: "STRS %.4f (spotting F1 %.4f x analysis F1 %.4f)\n", strs, overall.f1, a.f1)
        }
        return out
    }
}
