import ArgumentParser
import Foundation
import Logging
import MexClassify
import MexCore
import MexFace
import MexMotion
import MexSource
import MexVision

/// Measures mexd's stages for the scripts in bench/. Each number is a median over
/// rounds, and each comes with the baseline measured in the same run.
@main
struct MexdBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mexd-bench", subcommands: [FaceFlow.self, ClassifierLatency.self, EventStep.self, SpottingComparison.self, SpottingTrace.self, SignalDump.self, TrackingCost.self,
                                     FuzzProtocol.self, FuzzInputs.self])
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    return (clock.now - start).inSeconds
}

/// Per-frame face tracking and DIS flow, and per-event TV-L1 + tensor, against decoding
/// the same frames.
struct FaceFlow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "face-flow")

    @Option var video: String
    @Option var rounds = 3
    @Option(help: "Model card whose preprocessing the second per-event line uses.") var card = "Models/default.json"

    func run() throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        var decodeTimes: [Double] = []
        var frames: [Frame] = []
        for _ in 0..<rounds {
            var decoded: [Frame] = []
            decodeTimes.append(try seconds {
                let reader = try FFmpegVideoReader(location: video, logger: logger)
                while let frame = try reader.nextFrame() { decoded.append(frame) }
            })
            frames = decoded
        }
        let n = Double(frames.count)
        let fps = 30.0
        let detector = try HaarFaceDetector()

        var trackTimes: [Double] = [], fullDetectTimes: [Double] = [], highSpeedTimes: [Double] = []
        var crops: [GrayImage] = []
        for _ in 0..<rounds {
            let tracker = FaceTracker(detector: detector, fps: fps)
            var roundCrops: [GrayImage] = []
            trackTimes.append(try seconds {
                for frame in frames {
                    let faces = try tracker.update(frame)
                    if let face = faces.first(where: { $0.visible }) { roundCrops.append(try frame.image.crop(face.box, size: 128)) }
                }
            })
            crops = roundCrops
            // The same frames with a 200 fps camera's settings (full detection every 100 frames).
            let highSpeed = FaceTracker(detector: detector, fps: 200)
            highSpeedTimes.append(try seconds { for frame in frames { _ = try highSpeed.update(frame) } })
            // Detection on every frame (no tracking), for comparison.
            let every = FaceTracker(detector: detector, fps: fps, options: { var o = FaceTracker.Options(); o.detectionInterval = 0; return o }())
            fullDetectTimes.append(try seconds { for frame in frames { _ = try every.update(frame) } })
        }
        guard crops.count > 10 else { throw ValidationError("the face was tracked in only \(crops.count) frames") }

        // The cost of DIS between crops t-g and t, timed here with g = round(0.1 * fps)
        // and the ultrafast preset; the pipeline scores with flow_span 0.2 s and DIS fast
        // (docs/ARCHITECTURE.md section 3.3).
        let gap = Int((0.1 * fps).rounded())
        let dis = try DenseOpticalFlow(.dis(.ultrafast))
        var field = FlowField(width: 128, height: 128)
        var disTimes: [Double] = []
        for _ in 0..<rounds {
            disTimes.append(try seconds {
                for t in gap..<crops.count { try dis.compute(from: crops[t - gap], to: crops[t], into: &field) }
            })
        }
        let disPerFrame = median(disTimes) / Double(crops.count - gap)

        // Per event: TV-L1 to convergence (OpenCV's defaults, no registration), and the
        // step the card asks for (the default card: registration and a bounded TV-L1).
        let carded = ClassifierInput.Preprocessing(card: try ModelCard.load(card).preprocessing)
        var eventTimes: [Double] = [], cardTimes: [Double] = []
        for r in 0..<max(rounds, 5) {
            let i = (r * 7) % (crops.count - 10)
            eventTimes.append(try seconds { _ = try ClassifierInput(onset: crops[i], apex: crops[i + 5], offset: crops[i + 10]) })
            cardTimes.append(try seconds { _ = try ClassifierInput(onset: crops[i], apex: crops[i + 5], offset: crops[i + 10], preprocessing: carded) })
        }

        let decode = median(decodeTimes) / n
        let track = median(trackTimes) / n
        let detectAll = median(fullDetectTimes) / n
        let perFrame = track + disPerFrame
        func line(_ name: String, _ s: Double) {
            let label = name.padding(toLength: 36, withPad: " ", startingAt: 0)
            print(label + String(format: "%7.2f ms/frame %8.1f frames/s %6.1f%% of 30 fps %7.1f%% of 200 fps %6.2fx decode",
                                 s * 1000, 1 / s, s * 30 * 100, s * 200 * 100, s / decode))
        }
        print("bench/face-flow: \(frames.count) frames \(frames[0].image.width)x\(frames[0].image.height), \(rounds) rounds, medians")
        line("decode (baseline)", decode)
        line("face tracking (full detection each 1 s)", track)
        line("face tracking, 200 fps settings", median(highSpeedTimes) / n)
        line("face detection on every frame", detectAll)
        line("DIS ultrafast on 128x128 crops", disPerFrame)
        line("tracking + DIS (the frame path)", perFrame)
        print(String(format: "  per event: 2x TV-L1 (OpenCV's defaults) + tensor %.1f ms (median of %d), %.1fx a decoded frame",
                     median(eventTimes) * 1000, eventTimes.count, median(eventTimes) / decode))
        print(String(format: "  per event: %@'s step (registration %@, TV-L1 %d scales, %d warps, %dx%d iterations) + tensor %.1f ms, %.1fx a decoded frame",
                     (card as NSString).lastPathComponent, carded.registration == nil ? "off" : "on", carded.tvl1.scales, carded.tvl1.warps,
                     carded.tvl1.outerIterations, carded.tvl1.innerIterations, median(cardTimes) * 1000, median(cardTimes) / decode))
    }
}

/// One event at batch 1 through OpenCV DNN, timed `rounds` times after a warm-up.
struct ClassifierLatency: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "classifier")

    @Option var model: String
    @Option var rounds = 50

    func run() throws {
        let classifier = try Classifier(modelPath: model)
        var generator = SystemRandomNumberGenerator()
        let input = ClassifierInput(values: (0..<ClassifierInput.count).map { _ in Float.random(in: 0...1, using: &generator) })
        for _ in 0..<3 { _ = try classifier.classify(input) }
        var times: [Double] = []
        for _ in 0..<rounds { times.append(try seconds { _ = try classifier.classify(input) }) }
        print(String(format: "%.4f", median(times) * 1000))
    }
}
