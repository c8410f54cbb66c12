import Foundation
import MexCore
import MexMotion
import MexTestSupport
import Testing
@testable import MexClassify

/// mexd against PyTorch on fixtures written by `python -m mextrain fixtures`
/// (Tests/Fixtures/skd-tstsan/manifest.json).
@Suite struct ParityTests {
    static let folder = Fixtures.url("skd-tstsan")
    static var model: String { folder.appendingPathComponent("model.onnx").path }

    @Test func logitsMatchPyTorchWithin1e4() throws {
        let classifier = try Classifier(modelPath: Self.model)
        let inputs = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("inputs.npy"))
        let expected = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("logits.npy")).floats
        #expect(inputs.shape.dropFirst() == [38, 48, 48])
        let batch = inputs.shape[0]
        // The whole batch at once, and each input alone: both must match.
        let together = try classifier.logits(inputs.floats, batch: batch)
        let worst = zip(together, expected).map { abs($0 - $1) }.max()!
        print("parity: logits max |mexd - PyTorch| = \(worst)")
        #expect(worst <= 1e-4, "max |mexd - PyTorch| = \(worst)")
        for i in 0..<batch {
            let one = Array(inputs.floats[(i * ClassifierInput.count)..<((i + 1) * ClassifierInput.count)])
            let result = try classifier.classify(ClassifierInput(values: one))
            let reference = Array(expected[(i * 3)..<(i * 3 + 3)])
            #expect(zip(result.logits, reference).allSatisfy { abs($0 - $1) <= 1e-4 })
            #expect(result.label == classifier.card.classes[reference.indices.max { reference[$0] < reference[$1] }!])
            #expect(abs(result.probabilities.reduce(0, +) - 1) < 1e-9)
        }
    }

    /// Three gray faces through the Swift/C++ preprocessing vs Training's preprocess.py.
    ///
    /// Face channels (0-33) use the same OpenCV calls on the same bytes and must agree to
    /// float rounding. Flow channels (34-37) agree as closely except where the authors'
    /// float32 cos/sin round trip (numpy's SIMD cosf vs glibc's cosf, up to 1 ulp apart)
    /// moves a value across an integer before the uint8 truncation: one grey level,
    /// 1/255 of the map's range, which JPEG then spreads over its 8x8 block.
    @Test func preprocessingMatchesTraining() throws {
        let faces = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("preprocess_faces.npy"))
        #expect(faces.shape == [3, 128, 128])
        let pixels = faces.bytes
        let face = { (i: Int) in GrayImage(width: 128, height: 128, pixels: Array(pixels[(i * 16384)..<((i + 1) * 16384)])) }
        let input = try ClassifierInput(onset: face(0), apex: face(1), offset: face(2))
        let expected = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("preprocess_tensor.npy")).floats
        let side = 48 * 48
        var faceWorst: Float = 0, flowWorst: Float = 0, flowMean: Float = 0
        for c in 0..<38 {
            for k in 0..<side {
                let d = abs(input.values[c * side + k] - expected[c * side + k])
                if c < 34 { faceWorst = max(faceWorst, d) } else { flowWorst = max(flowWorst, d); flowMean += d }
            }
        }
        flowMean /= Float(4 * side)
        print("parity: face channels max diff \(faceWorst); flow channels max \(flowWorst), mean \(flowMean)")
        #expect(faceWorst <= 1e-6, "face channels differ by \(faceWorst)")
        #expect(flowWorst <= 0.05 && flowMean <= 1e-3, "flow channels differ by max \(flowWorst), mean \(flowMean)")

        // And the model gives PyTorch's logits on mexd's own tensor.
        try expectLogits(of: input, as: "logits_preprocessed.npy")
    }

    /// The fixture model on mexd's tensor gives the logits PyTorch gave on Training's.
    private func expectLogits(of input: ClassifierInput, as file: String) throws {
        let classifier = try Classifier(modelPath: Self.model)
        let logits = try classifier.classify(input).logits
        let reference = try NumpyArray(contentsOf: Self.folder.appendingPathComponent(file)).floats
        print("parity: logits on mexd's tensor \(logits), PyTorch on Training's \(reference) (\(file))")
        #expect(zip(logits, reference).allSatisfy { abs($0 - $1) <= 1e-4 }, "\(logits) vs \(reference)")
    }

    /// A head that moves between the key frames, through the bounded per-event step as a
    /// card that records it asks for: the card's preprocessing as Training/ writes it
    /// (`constants(PreprocessConfig.bounded())`), the head motion `KeyFrameRegistration`
    /// fits against preprocess.py's `align_face`, and the tensor and logits against
    /// `tensor_from_faces` with registration and bounded TV-L1.
    @Test func registeredBoundedPreprocessingMatchesTraining() throws {
        let json = try Data(contentsOf: Self.folder.appendingPathComponent("registered_preprocessing.json"))
        let card = try JSONDecoder().decode(ModelCard.Preprocessing.self, from: json)
        let preprocessing = ClassifierInput.Preprocessing(card: card)
        let registration = try #require(preprocessing.registration)
        #expect(registration == KeyFrameRegistration())
        #expect(preprocessing.tvl1 != TVL1Parameters.openCVDefaults)
        #expect(preprocessing.tvl1.epsilon == TVL1Parameters.openCVDefaults.epsilon)

        // The onset is preprocess_faces.npy's; registered_faces.npy holds the apex and offset.
        let onset = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("preprocess_faces.npy")).bytes
        let pixels = Array(onset[0..<16384]) + (try NumpyArray(contentsOf: Self.folder.appendingPathComponent("registered_faces.npy")).bytes)
        let face = { (i: Int) in GrayImage(width: 128, height: 128, pixels: Array(pixels[(i * 16384)..<((i + 1) * 16384)])) }
        let expectedMotion = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("registered_motion.npy")).doubles
        let expectedWarped = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("registered_warped.npy")).bytes
        for (k, later) in [face(1), face(2)].enumerated() {
            let aligned = try registration.align(later, onto: face(0))
            #expect(aligned.warped)
            let h = aligned.head
            let got = [h.tx, h.ty, h.a, h.b, h.c, h.d], want = Array(expectedMotion[(6 * k)..<(6 * k + 6)])
            let worst = zip(got, want).map { abs($0 - $1) }.max()!
            print("parity: head motion \(k == 0 ? "apex" : "offset") \(got) vs Training \(want)")
            #expect(worst <= 1e-6, "head motion differs by \(worst)")
            // The same map through the same cv::warpAffine: the same bytes.
            let warpedDiff = zip(aligned.image.pixels, expectedWarped[(16384 * k)..<(16384 * (k + 1))]).map { abs(Int($0) - Int($1)) }.max()!
            #expect(warpedDiff == 0, "warped face differs by \(warpedDiff) grey levels")
        }

        let input = try ClassifierInput(onset: face(0), apex: face(1), offset: face(2), preprocessing: preprocessing)
        let expected = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("registered_flow.npy")).floats
        let side = 48 * 48
        var flowWorst: Float = 0, flowMean: Float = 0
        for c in 34..<38 {
            for k in 0..<side {
                let d = abs(input.values[c * side + k] - expected[(c - 34) * side + k])
                flowWorst = max(flowWorst, d); flowMean += d
            }
        }
        flowMean /= Float(4 * side)
        print("parity (registered, bounded): flow channels max diff \(flowWorst), mean \(flowMean)")
        #expect(flowWorst <= 0.05 && flowMean <= 1e-3, "flow channels differ by max \(flowWorst), mean \(flowMean)")
        try expectLogits(of: input, as: "logits_registered.npy")
    }
}
