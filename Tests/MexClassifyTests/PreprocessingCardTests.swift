import Foundation
import MexMotion
import MexTestSupport
import Testing
@testable import MexClassify

/// A card's `preprocessing` decides the per-event step: a card written before
/// registration and bounded TV-L1 keeps the behaviour its model was trained with.
@Suite struct PreprocessingCardTests {
    static func card(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let json = try Data(contentsOf: ModelLoadingTests.source.appendingPathComponent("model.json"))
        var object = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        edit(&object)
        return ModelLoadingTests.variant("preprocessing-\(name)", card: { _ in
            String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        })
    }

    @Test func anOlderCardMeansOpenCVDefaultsAndNoRegistration() throws {
        // The fixture card lists OpenCV's defaults under flow.params and has no head_registration.
        let classifier = try Classifier(modelPath: ModelLoadingTests.source.appendingPathComponent("model.onnx").path)
        let p = ClassifierInput.Preprocessing(card: classifier.card.preprocessing)
        #expect(p.registration == nil)
        #expect(p.tvl1 == TVL1Parameters.openCVDefaults)
        #expect(p == ClassifierInput.Preprocessing())
    }

    @Test func aCardWithoutPreprocessingIsTheOldBehaviourToo() throws {
        let path = try Self.card("none") { $0.removeValue(forKey: "preprocessing") }
        let classifier = try Classifier(modelPath: path)
        #expect(ClassifierInput.Preprocessing(card: classifier.card.preprocessing) == ClassifierInput.Preprocessing())
    }

    /// Models/default.json: the bounded TV-L1, and no registration (the model was trained on
    /// unregistered flows; bench/event-step/RESULTS.md).
    @Test func theDefaultModelsCardAsksForTheBudgetWithoutRegistration() throws {
        let path = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Models/default.json").path
        let p = ClassifierInput.Preprocessing(card: try ModelCard.load(path).preprocessing)
        #expect(p.registration == nil)
        #expect(p.tvl1.scales == 4 && p.tvl1.warps == 4 && p.tvl1.innerIterations == 10 && p.tvl1.outerIterations == 2)
        #expect(p.tvl1.epsilon == TVL1Parameters.openCVDefaults.epsilon && p.tvl1.medianFiltering == TVL1Parameters.openCVDefaults.medianFiltering)
        #expect(p.jpegRoundtrip && p.polarRoundtrip)
    }

    @Test func theOpenCVDefaultsAreTheLibrarysOwn() {
        let d = TVL1Parameters.openCVDefaults
        #expect(d.scales == 5 && d.warps == 5 && d.innerIterations == 30 && d.outerIterations == 10)
        #expect(d.epsilon == 0.01 && d.medianFiltering == 5)
    }

    @Test func aCardWithRegistrationAndABudgetIsFollowed() throws {
        let path = try Self.card("bounded") { object in
            var p = object["preprocessing"] as! [String: Any]
            var flow = p["flow"] as! [String: Any]
            var params = flow["params"] as! [String: Any]
            params["nscales"] = 3; params["innerIterations"] = 7
            params.removeValue(forKey: "warps")
            flow["params"] = params
            p["flow"] = flow
            p["head_registration"] = ["dis_preset": 1, "dis_finest_scale": NSNull(), "model": "similarity", "cell": 16, "rounds": 2,
                                      "cutoff": 3.0, "minimum_scale": 0.05, "passes": 1, "warp_above": 1.0]
            object["preprocessing"] = p
        }
        let classifier = try Classifier(modelPath: path)
        let p = ClassifierInput.Preprocessing(card: classifier.card.preprocessing)
        #expect(p.tvl1.scales == 3 && p.tvl1.innerIterations == 7)
        #expect(p.tvl1.warps == TVL1Parameters.openCVDefaults.warps)   // left out: OpenCV's default
        let r = try #require(p.registration)
        #expect(r == KeyFrameRegistration(preset: .fast, finestScale: nil,
                                          fit: FlowRegistrationSettings(model: .similarity, cellSide: 16, rounds: 2, cutoff: 3, minimumScale: 0.05),
                                          passes: 1, warpAbove: 1))
    }

    @Test func aRegistrationWithAnUnknownPresetOrAMissingKeyIsAnInvalidCard() throws {
        for (k, registration): (Int, [String: Any]) in [
            ["dis_preset": 7, "model": "affine", "cell": 8, "rounds": 3, "cutoff": 4.0, "minimum_scale": 0.02, "passes": 2, "warp_above": 0.5],
            ["dis_preset": 1, "model": "affine", "cell": 8, "rounds": 3, "cutoff": 4.0, "minimum_scale": 0.02, "passes": 2],
            ["dis_preset": 1, "model": "projective", "cell": 8, "rounds": 3, "cutoff": 4.0, "minimum_scale": 0.02, "passes": 2, "warp_above": 0.5],
        ].enumerated() {
            let path = try Self.card("invalid-\(k)") { object in
                var p = object["preprocessing"] as! [String: Any]
                p["head_registration"] = registration
                object["preprocessing"] = p
            }
            #expect {
                _ = try Classifier(modelPath: path)
            } throws: { error in
                if case ModelError.invalidCard = error { return true }
                return false
            }
        }
    }
}
