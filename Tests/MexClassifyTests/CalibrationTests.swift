import Foundation
import MexTestSupport
import Testing
@testable import MexClassify

/// The card's calibration: logits over its temperature, and "uncertain" under its
/// threshold, with the scores always given.
@Suite struct CalibrationTests {
    /// The fixture model with `calibration` set in its card.
    static func calibrated(_ name: String, _ calibration: [String: Any]) -> String {
        ModelLoadingTests.variant(name, card: { card in
            var data = try! JSONSerialization.jsonObject(with: Data(card.utf8)) as! [String: Any]
            data["calibration"] = calibration
            return String(decoding: try! JSONSerialization.data(withJSONObject: data), as: UTF8.self)
        })
    }

    static let input = ClassifierInput(values: (0..<ClassifierInput.count).map { Float(($0 * 7919) % 1000) / 1000 })

    @Test func temperatureSoftensTheScoresAndKeepsTheLogits() throws {
        let raw = try Classifier(modelPath: ModelLoadingTests.variant("plain")).classify(Self.input)
        let warm = try Classifier(modelPath: Self.calibrated("warm", ["temperature": 4.0])).classify(Self.input)
        #expect(warm.logits == raw.logits)
        #expect(warm.label == raw.label, "no threshold: always the top class")
        #expect(warm.probabilities.max()! < raw.probabilities.max()!)
        let expected = Classifier.softmax(raw.logits.map { $0 / 4 })
        for (a, b) in zip(warm.probabilities, expected) { #expect(abs(a - b) < 1e-9) }
    }

    @Test func aTopScoreUnderTheThresholdIsUncertain() throws {
        let probe = try Classifier(modelPath: Self.calibrated("probe", ["temperature": 2.0])).classify(Self.input)
        let top = probe.probabilities.max()!
        let above = try Classifier(modelPath: Self.calibrated("above", ["temperature": 2.0, "uncertain_below": top + 0.01]))
            .classify(Self.input)
        #expect(above.label == Classification.uncertain)
        #expect(above.probabilities == probe.probabilities, "the scores are still given")
        let below = try Classifier(modelPath: Self.calibrated("below", ["temperature": 2.0, "uncertain_below": top - 0.01]))
            .classify(Self.input)
        #expect(below.label == probe.label)
    }

    @Test(arguments: [["temperature": 0.0], ["temperature": -1.0], ["temperature": 1.0, "uncertain_below": 1.0],
                      ["temperature": 1.0, "uncertain_below": -0.1]])
    func badCalibrationIsAnInvalidCard(_ calibration: [String: Double]) {
        let path = Self.calibrated("bad-\(calibration.values.map { "\($0)" }.joined(separator: "_"))", calibration)
        #expect {
            _ = try Classifier(modelPath: path)
        } throws: { error in
            guard case .invalidCard(_, let detail)? = error as? ModelError else { return false }
            return detail.contains("calibration")
        }
    }
}
