import CMexVision
import Foundation
import MexVision

/// What the classifier says about one event.
public struct Classification: Sendable, Equatable {
    /// The label of a model whose top calibrated score is under its card's
    /// `calibration.uncertain_below`: no class is claimed (the scores are still given).
    public static let uncertain = "uncertain"

    /// The top class, or `uncertain`.
    public var label: String
    /// Softmax probabilities, in the card's class order.
    public var probabilities: [Double]
    public var logits: [Float]
    public var classes: [String]

    public var scores: [(label: String, probability: Double)] { Array(zip(classes, probabilities)) }
}

/// SKD-TSTSAN run with OpenCV's DNN module from the exported ONNX graph and its card.
///
/// Threading: an instance holds one cv::dnn::Net, whose forward pass mutates its
/// internal buffers, so it is not Sendable; give each worker thread its own (they
/// are cheap: a few MB). The pass itself uses OpenCV's thread pool.
public final class Classifier {
    public let card: ModelCard
    public let modelPath: String
    private let net: OpaquePointer

    /// Loads `modelPath` and its card (`cardPath`, by default the same name with .json),
    /// then runs one pass on zeros to check that the graph's output fits the card.
    public init(modelPath: String, cardPath: String? = nil) throws(ModelError) {
        let cardPath = cardPath ?? (modelPath.hasSuffix(".onnx") ? String(modelPath.dropLast(5)) : modelPath) + ".json"
        guard FileManager.default.fileExists(atPath: modelPath) else { throw .missingModel(modelPath) }
        card = try ModelCard.load(cardPath)
        self.modelPath = modelPath
        var loaded: OpaquePointer?
        do {
            try VisionError.check("load") { error, size in
                loaded = mexv_net_load(modelPath, error, size)
                return loaded == nil ? -1 : 0
            }
        } catch {
            throw .unreadable(modelPath, detail: Self.firstLine(error.message))
        }
        net = loaded!
        try checkGraphAgainstCard()
    }

    deinit { mexv_net_free(net) }

    /// Classifies one event.
    public func classify(_ input: ClassifierInput) throws(ModelError) -> Classification {
        let logits = try self.logits(input.values, batch: 1)
        let probabilities = Self.softmax(logits, temperature: card.calibration?.temperature ?? 1)
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        let uncertain = card.calibration?.uncertainBelow.map { probabilities[best] < $0 } ?? false
        return Classification(label: uncertain ? Classification.uncertain : card.classes[best], probabilities: probabilities,
                              logits: logits, classes: card.classes)
    }

    /// Raw logits for `batch` inputs laid out back to back, (batch, classes) row-major.
    public func logits(_ values: [Float], batch: Int) throws(ModelError) -> [Float] {
        guard batch > 0, values.count == batch * ClassifierInput.count else {
            throw .inference("expected \(batch) x 38x48x48 values, got \(values.count)")
        }
        let shape: [Int32] = [Int32(batch), Int32(ClassifierInput.channels), Int32(ClassifierInput.side), Int32(ClassifierInput.side)]
        var out = [Float](repeating: 0, count: batch * card.classes.count)
        var produced = 0
        do {
            try values.withUnsafeBufferPointer { (input: UnsafeBufferPointer<Float>) throws(VisionError) in
                try out.withUnsafeMutableBufferPointer { (output: inout UnsafeMutableBufferPointer<Float>) throws(VisionError) in
                    let base = output.baseAddress
                    let capacity = output.count
                    try VisionError.check("forward") {
                        mexv_net_forward(net, input.baseAddress, shape, 4, base, capacity, &produced, $0, $1)
                    }
                }
            }
        } catch {
            if produced > 0 && produced != out.count {
                throw .mismatch(modelPath, detail: "the graph gives \(produced / batch) outputs per input, the card lists \(card.classes.count) classes")
            }
            throw .inference(Self.firstLine(error.message))
        }
        guard produced == out.count else {
            throw .mismatch(modelPath, detail: "the graph gives \(produced / batch) outputs per input, the card lists \(card.classes.count) classes")
        }
        return out
    }

    private func checkGraphAgainstCard() throws(ModelError) {
        var names = [CChar](repeating: 0, count: 1024)
        _ = mexv_net_output_names(net, &names, names.count)
        let outputs = String(decoding: names.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let expected = card.outputs[0].name
        guard outputs.split(separator: ",").contains(Substring(expected)) else {
            throw .mismatch(modelPath, detail: "the graph's outputs are '\(outputs)', the card names '\(expected)'")
        }
        do {
            _ = try logits([Float](repeating: 0, count: ClassifierInput.count), batch: 1)
        } catch .inference(let detail) {
            throw .mismatch(modelPath, detail: "a (1, 38, 48, 48) input does not run: \(detail)")
        }
    }

    /// Softmax of logits / temperature (the card's calibration; 1: the raw softmax).
    static func softmax(_ logits: [Float], temperature: Double = 1) -> [Double] {
        let top = Double(logits.max() ?? 0)
        let exps = logits.map { exp((Double($0) - top) / temperature) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// OpenCV's messages span several lines with source locations; the first line says it.
    private static func firstLine(_ message: String) -> String {
        let trimmed = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return trimmed.first { $0.contains("error:") } ?? trimmed.first ?? message
    }
}
