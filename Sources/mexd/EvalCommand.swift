import ArgumentParser
import Foundation
import MexEvaluation
import MexProtocol

/// `mexd eval PREDICTIONS ANNOTATIONS`: MEGC spotting scores.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score spotted events against annotations (MEGC: IoU >= 0.5, inclusive frames).",
        discussion: """
            PREDICTIONS is `mexd scan` output (JSON Lines; EVENT records count) or a CSV like the \
            annotations. ANNOTATIONS is a CSV with the header video,onset,apex,offset,type,au,label. \
            Videos are matched by file name. TP is the number of annotated intervals found, FP the \
            remaining predictions, FN the intervals not found, all summed over videos before F1. \
            With labels on both sides, recognition UF1/UAR on the matched pairs and STRS \
            (spotting F1 x recognition UF1) are reported too.
            """)

    @Argument(help: "Predictions: mexd scan output (JSON Lines) or CSV.") var predictions: String
    @Argument(help: "Ground truth CSV.") var annotations: String
    @Flag(help: "Print one EVAL JSON object instead of text.") var json = false

    func run() throws {
        let report: SpottingReport
        do {
            let truth = try EvaluationFiles.readAnnotations(annotations)
            let predicted = try EvaluationFiles.readPredictions(predictions)
            report = SpottingEvaluation.evaluate(truth: truth, predictions: predicted)
        } catch {
            FileHandle.standardError.write(Data("mexd: error: \(error)\n".utf8))
            throw (error.row == nil && error.message == "no such file" ? ExitStatus.noInput : ExitStatus.dataError).exitCode
        }
        print(json ? Self.record(report).line : Self.text(report), terminator: json ? "\n" : "")
    }

    static func counts(_ c: SpottingCounts) -> JSONObject {
        var o = JSONObject()
        o.set("tp", c.truePositives)
        o.set("fp", c.falsePositives)
        o.set("fn", c.falseNegatives)
        o.set("precision", c.precision, decimals: 4)
        o.set("recall", c.recall, decimals: 4)
        o.set("f1", c.f1, decimals: 4)
        return o
    }

    static func record(_ report: SpottingReport) -> JSONObject {
        var o = JSONObject(class: "EVAL")
        o.set("iou", SpottingEvaluation.iouThreshold, decimals: 2)
        o.set("micro", counts(report.micro))
        o.set("macro", counts(report.macro))
        o.set("overall", counts(report.overall))
        if let r = report.recognition {
            var rec = JSONObject()
            rec.set("matched", report.matches.count)
            rec.set("uf1", r.uf1, decimals: 4)
            rec.set("uar", r.uar, decimals: 4)
            o.set("recognition", rec)
            o.set("strs", report.strs, decimals: 4)
        }
        return o
    }

    static func text(_ report: SpottingReport) -> String {
        var out = "spotting (IoU >= 0.5)     TP    FP    FN  precision  recall      F1\n"
        for (name, c) in [("micro", report.micro), ("macro", report.macro), ("overall", report.overall)] {
            out += name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%6d%6d%6d %10.4f %7.4f %7.4f\n", c.truePositives, c.falsePositives, c.falseNegatives,
                         c.precision, c.recall, c.f1)
        }
        if let r = report.recognition, let strs = report.strs {
            out += String(format: "recognition on %d matched events: UF1 %.4f  UAR %.4f\nSTRS %.4f\n",
                          report.matches.count, r.uf1, r.uar, strs)
        }
        return out
    }
}
