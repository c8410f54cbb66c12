import Foundation
import MexCore
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
        let classifier = try Classifier(modelPath: Self.model)
        let logits = try classifier.classify(input).logits
        let reference = try NumpyArray(contentsOf: Self.folder.appendingPathComponent("logits_preprocessed.npy")).floats
        print("parity: logits on mexd's tensor \(logits), PyTorch on Training's \(reference)")
        #expect(zip(logits, reference).allSatisfy { abs($0 - $1) <= 1e-4 }, "\(logits) vs \(reference)")
    }
}
