import Foundation
import MexMotion

/// The JSON written beside an exported model (Training/mextrain/export.py): what a
/// runtime needs to feed the graph and read its output.
public struct ModelCard: Sendable, Decodable {
    /// A tensor dimension: a fixed size, or a symbolic one such as the batch "N".
    public enum Dimension: Sendable, Decodable, Equatable {
        case fixed(Int)
        case symbolic(String)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let n = try? container.decode(Int.self) { self = .fixed(n) } else { self = .symbolic(try container.decode(String.self)) }
        }
    }

    public struct Tensor: Sendable, Decodable {
        public var name: String
        public var shape: [Dimension]
    }

    public struct Preprocessing: Sendable, Decodable {
        /// The face crops and the flow maps go through JPEG q95 as the authors' files
        /// did (default true).
        public var jpegRoundtrip: Bool?
        /// The flow goes to polar form and back in float32, as the authors' pol2cart
        /// did (default true).
        public var flowPolarRoundtrip: Bool?

        /// TV-L1's parameters (`flow.params`); every card so far lists OpenCV's defaults.
        public var flow: Flow?
        /// The apex and offset warped onto the onset with the head's motion before TV-L1
        /// (absent in cards made before it: no registration).
        public var headRegistration: HeadRegistration?

        enum CodingKeys: String, CodingKey {
            case flow
            case jpegRoundtrip = "jpeg_roundtrip"
            case flowPolarRoundtrip = "flow_polar_roundtrip"
            case headRegistration = "head_registration"
        }
    }

    public struct Flow: Sendable, Decodable {
        public var params: FlowParameters?
    }

    /// cv2.optflow.DualTVL1OpticalFlow's parameters under cv2's names, as preprocess.py's
    /// `TVL1` records them; a key a card leaves out is OpenCV's default.
    public struct FlowParameters: Sendable, Decodable {
        public var tau, lambda, theta, epsilon, scaleStep, gamma: Double?
        public var scales, warps, innerIterations, outerIterations, medianFiltering: Int?

        enum CodingKeys: String, CodingKey {
            case tau, theta, epsilon, gamma, warps, innerIterations, outerIterations, scaleStep, medianFiltering
            case lambda = "lambda_"
            case scales = "nscales"
        }

        public var parameters: TVL1Parameters {
            let d = TVL1Parameters.openCVDefaults
            return TVL1Parameters(tau: tau ?? d.tau, lambda: lambda ?? d.lambda, theta: theta ?? d.theta, scales: scales ?? d.scales,
                                  warps: warps ?? d.warps, epsilon: epsilon ?? d.epsilon,
                                  innerIterations: innerIterations ?? d.innerIterations, outerIterations: outerIterations ?? d.outerIterations,
                                  scaleStep: scaleStep ?? d.scaleStep, gamma: gamma ?? d.gamma, medianFiltering: medianFiltering ?? d.medianFiltering)
        }
    }

    /// preprocess.py's `REGISTRATION`: the DIS flow and `FlowRegistration` fit the key
    /// frames were registered with (`KeyFrameRegistration`). Every numeric key is
    /// required: a card that registers says how.
    public struct HeadRegistration: Sendable, Decodable {
        public var disPreset: Int
        public var disFinestScale: Int?
        public var model: FlowRegistration.Model
        public var cell: Int
        public var rounds: Int
        public var cutoff: Double
        public var minimumScale: Double
        public var passes: Int
        public var warpAbove: Double

        enum CodingKeys: String, CodingKey {
            case model, cell, rounds, cutoff, passes
            case disPreset = "dis_preset"
            case disFinestScale = "dis_finest_scale"
            case minimumScale = "minimum_scale"
            case warpAbove = "warp_above"
        }

        /// nil when the preset is not one of DIS's three.
        public var registration: KeyFrameRegistration? {
            guard let preset = DenseOpticalFlow.Preset(rawValue: Int32(disPreset)) else { return nil }
            return KeyFrameRegistration(preset: preset, finestScale: disFinestScale,
                                        fit: FlowRegistrationSettings(model: model, cellSide: cell, rounds: rounds, cutoff: cutoff, minimumScale: minimumScale),
                                        passes: passes, warpAbove: warpAbove)
        }
    }

    public var name: String
    public var architectureVersion: String
    public var classes: [String]
    public var inputs: [Tensor]
    public var outputs: [Tensor]
    public var amplificationFactor: Double?
    public var preprocessing: Preprocessing?
    public var date: String?
    /// What the model was trained on, in the card's words.
    public var training: Training?
    /// How its scores are calibrated and when its answer is "uncertain"; absent: raw
    /// softmax, always a label (the models made before calibration).
    public var calibration: Calibration?

    public struct Calibration: Decodable, Sendable, Equatable {
        /// Logits are divided by it before the softmax (temperature scaling, Guo et al.
        /// 2017), fitted on faces the model never trained on.
        public var temperature: Double
        /// A top calibrated score under this gives the label "uncertain"; nil: never.
        public var uncertainBelow: Double?

        enum CodingKeys: String, CodingKey {
            case temperature
            case uncertainBelow = "uncertain_below"
        }

        public init(temperature: Double, uncertainBelow: Double?) {
            self.temperature = temperature
            self.uncertainBelow = uncertainBelow
        }
    }

    public struct Training: Decodable, Sendable, Equatable {
        /// The training data, e.g. "SYNTHETIC ONLY: ..." for the default model.
        public var data: String?

        enum CodingKeys: String, CodingKey { case data }

        /// Read leniently: `training` is free-form documentation, and a card whose
        /// training notes take another shape is still a usable card.
        public init(from decoder: any Decoder) throws {
            data = try? decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .data)
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, classes, inputs, outputs, preprocessing, date, training, calibration
        case architectureVersion = "architecture_version"
        case amplificationFactor = "amplification_factor"
    }

    /// Reads and checks a card: what mexd's inputs and outputs need must be there.
    public static func load(_ path: String) throws(ModelError) -> ModelCard {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileManager.default.fileExists(atPath: path) ? .unreadable(path, detail: "cannot read") : .missingCard(path)
        }
        let card: ModelCard
        do {
            card = try JSONDecoder().decode(ModelCard.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalidCard(path, detail: "missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalidCard(path, detail: "field '\(field)' has the wrong type")
        } catch {
            throw .invalidCard(path, detail: "not valid JSON")
        }
        try card.validate(path)
        return card
    }

    /// The layout mexd builds: one input (N, 38, 48, 48), one output (N, classes).
    func validate(_ path: String) throws(ModelError) {
        guard !classes.isEmpty, Set(classes).count == classes.count else {
            throw .invalidCard(path, detail: "'classes' must list distinct class names")
        }
        guard inputs.count == 1, let input = inputs.first else {
            throw .invalidCard(path, detail: "expected one input, found \(inputs.count)")
        }
        let expected: [Dimension] = [.fixed(ClassifierInput.channels), .fixed(ClassifierInput.side), .fixed(ClassifierInput.side)]
        guard input.shape.count == 4, Array(input.shape.dropFirst()) == expected else {
            throw .invalidCard(path, detail: "input '\(input.name)' must be (N, 38, 48, 48), the SKD-TSTSAN layout")
        }
        guard outputs.count == 1, let output = outputs.first else {
            throw .invalidCard(path, detail: "expected one output, found \(outputs.count)")
        }
        guard output.shape.count == 2, output.shape[1] == .fixed(classes.count) else {
            throw .invalidCard(path, detail: "output '\(output.name)' must be (N, \(classes.count)) for \(classes.count) classes")
        }
        if let calibration {
            guard calibration.temperature.isFinite, calibration.temperature > 0 else {
                throw .invalidCard(path, detail: "'calibration.temperature' must be a positive number")
            }
            if let below = calibration.uncertainBelow, !(0..<1).contains(below) {
                throw .invalidCard(path, detail: "'calibration.uncertain_below' must lie in [0, 1)")
            }
        }
        if let registration = preprocessing?.headRegistration, registration.registration == nil {
            throw .invalidCard(path, detail: "'preprocessing.head_registration.dis_preset' must be 0, 1 or 2")
        }
    }
}
