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
            Videos are matched by file name. Matching follows the MEGC challenge's script: each \
            prediction, in file order, takes every annotated interval of its video not yet taken \
            with IoU >= 0.5; TP counts the intervals taken, FP the predictions that took none, FN \
            the intervals left, all summed over videos before F1. With labels, the analysis of the \
            matched pairs follows over the classes (by default every label in the annotations): \
            its precision and recall are means over the classes and its F1 their harmonic mean. \
            STRS, the challenge's spot-then-recognize score, is spotting F1 x analysis F1. UF1 and \
            UAR (means of the per-class F1 and recall) are printed beside it. See mexd(8).
            """)

    @Argument(help: "Predictions: mexd scan output (JSON Lines) or CSV.") var predictions: String
    @Argument(help: "Ground truth CSV.") var annotations: String
    @Option(help: ArgumentHelp("Analysis classes, comma separated (default: every label in ANNOTATIONS).",
                               valueName: "LIST")) var classes: String?
    @Flag(help: "Print one EVAL JSON object instead of text.") var json = false

    /// The classes named by --classes, in order; nil when the option is absent.
    var namedClasses: [String]? {
        classes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func validate() throws {
        if namedClasses?.isEmpty == true { throw ValidationError("--classes names no class") }
    }

    func run() throws {
        let report: SpottingReport
        do {
            let truth = try EvaluationFiles.readAnnotations(annotations)
            let predicted = try EvaluationFiles.readPredictions(predictions)
            report = SpottingEvaluation.evaluate(truth: truth, predictions: predicted, classes: namedClasses)
        } catch {
            FileHandle.standardError.write(Data("mexd: error: \(error)\n".utf8))
            throw (error.row == nil && error.message == "no such file" ? ExitStatus.noInput : ExitStatus.dataError).exitCode
        }
        print(json ? Self.record(report).line : report.text, terminator: json ? "\n" : "")
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
        var o = JSONObject(class: .eval)
        o.set("iou", SpottingEvaluation.iouThreshold, decimals: 2)
        o.set("micro", counts(report.micro))
        o.set("macro", counts(report.macro))
        o.set("overall", counts(report.overall))
        if let a = report.analysis {
            var analysis = JSONObject()
            analysis.set("classes", .array(a.classes.map(JSONObject.Value.string)))
            analysis.set("pairs", a.scoredPairs)
            analysis.set("precision", a.precision, decimals: 4)
            analysis.set("recall", a.recall, decimals: 4)
            analysis.set("f1", a.f1, decimals: 4)
            analysis.set("uf1", a.uf1, decimals: 4)
            analysis.set("uar", a.uar, decimals: 4)
            var perClass = JSONObject()
            for (c, counts) in zip(a.classes, a.perClass) { perClass.set(c, Self.counts(counts)) }
            analysis.set("per_class", perClass)
            o.set("analysis", analysis)
            o.set("strs", report.strs, decimals: 4)
        }
        return o
    }
}
