import ArgumentParser
import Foundation
import Logging
import MexCore
import MexFace
import MexMotion
import MexSource
import MexVision

/// Per-frame motion signals of the first face, for studying what the spotter reads:
/// each grid cell's speed score (head motion registered out) over `--span` (the pipeline's flow span) and their plain
/// largest (`MotionSample.score`, before the spotter equalises the regions), and the
/// displacement from frames further back, all under frame t's box. Missed frames are
/// scored under the track's held box.
struct SignalDump: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signals")
    @Argument var video: String
    @Option(help: "Look-backs in seconds for the displacement columns.") var back: [Double] = [0.2, 0.3, 0.5]
    @Option(help: "DIS preset: 0 ultrafast, 1 fast (the pipeline's), 2 medium.") var preset: Int32 = 1
    @Option(help: "The speed score's span in seconds (the pipeline's flow_span).") var span = 0.2
    @Option(help: "Head-motion model: translation, similarity or affine (the pipeline's).") var registration = "affine"
    @Flag(help: "Score the first flow only, without re-aligning the earlier crop.") var noRealign = false

    func run() throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let reader = try FFmpegVideoReader(location: video, logger: logger)
        let fps = reader.info.fps ?? 30
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: fps)
        let model = FlowRegistration.Model(rawValue: registration) ?? .affine
        let scorer = try MotionScorer(flow: .dis(DenseOpticalFlow.Preset(rawValue: preset) ?? .ultrafast),
                                      registration: FlowRegistration(model: model, rounds: model == .translation ? 0 : 3), realignAbove: noRealign ? nil : MotionScorer.defaultRealignAbove)
        let gap = max(1, Int((span * fps).rounded()))
        let backs = back.map { max(1, Int(($0 * fps).rounded())) }
        let keep = (backs.max() ?? gap) + 1
        var ring: [Frame] = []
        print("frame,track,visible,speed,blink,eyes,brows,head,roll,zoom,mouth," + (0..<FaceGrid.cellCount).map(FaceGrid.name(ofCell:)).joined(separator: ",") + "," + back.map { "d\($0)" }.joined(separator: ","))
        while let frame = try reader.nextFrame() {
            ring.append(frame)
            if ring.count > max(keep, gap + 1) { ring.removeFirst() }
            guard let face = try tracker.update(frame).first else { continue }
            let crop = try MotionScorer.crop(frame.image, box: face.box)
            func earlier(_ k: Int) throws -> MotionSample? {
                guard ring.count > k else { return nil }
                return try scorer.score(earlier: try MotionScorer.EarlierFace(image: ring[ring.count - 1 - k].image, box: face.box), current: crop)
            }
            guard let speed = try earlier(gap) else { continue }
            var line = "\(frame.index),\(face.trackID),\(face.visible ? 1 : 0),\(String(format: "%.4f", speed.score)),\(speed.blink ? 1 : 0)"
            line += String(format: ",%.4f,%.4f,%.4f,%.4f,%.5f,%.4f", speed.eyeMotion, speed.browMotion, speed.headMotion, speed.head.rollDegrees, speed.head.zoom, speed.mouthMotion)
            for r in speed.regionScores { line += String(format: ",%.4f", r) }
            for k in backs { line += "," + ((try earlier(k)).map { String(format: "%.4f", $0.score) } ?? "") }
            print(line)
        }
    }
}
