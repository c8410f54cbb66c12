import ArgumentParser
import Foundation
import Logging
import MexClassify
import MexCore
import MexDaemon
import MexFace
import MexProtocol
import MexSource
import MexVision

/// `mexd classify FILE --onset N --apex N --offset N`: the paper's setting, key frames
/// given; prints one CLASSIFICATION record.
struct ClassifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify the micro-expression between given key frames of a video.",
        discussion: """
            Faces are tracked from one second before the onset to pick the face; its crop box \
            is the cascade's full-resolution detection on the onset frame, used for all three \
            key frames, as Training/ prepares its data. Key frames are frame indices (0-based) or, with the --*-pts \
            options, times in seconds (the nearest frame is taken).
            """)

    @Argument(help: "The video file.")
    var input: String

    @Option(help: "Onset frame index.") var onset: Int?
    @Option(help: "Apex frame index.") var apex: Int?
    @Option(help: "Offset frame index.") var offset: Int?
    @Option(name: .customLong("onset-pts"), help: "Onset time in seconds.") var onsetPts: Double?
    @Option(name: .customLong("apex-pts"), help: "Apex time in seconds.") var apexPts: Double?
    @Option(name: .customLong("offset-pts"), help: "Offset time in seconds.") var offsetPts: Double?

    @Option(help: "ONNX model exported by Training/ (its card NAME.json beside it). Default: the bundled model.")
    var model: String?

    @Option(help: "Track to classify when several faces are visible at the onset (default: the largest face).")
    var track: Int?

    @Option(help: "OpenCV Haar cascade for face detection.")
    var cascade: String = HaarFaceDetector.defaultCascade

    @OptionGroup var global: GlobalOptions

    /// The key frames, by index or by time.
    enum KeyFrames {
        case indices(Int, Int, Int)
        case times(Double, Double, Double)
    }

    var keyFrames: KeyFrames? {
        if let onset, let apex, let offset { return .indices(onset, apex, offset) }
        if let onsetPts, let apexPts, let offsetPts { return .times(onsetPts, apexPts, offsetPts) }
        return nil
    }

    func validate() throws {
        let byIndex = [onset, apex, offset].compactMap { $0 }.count
        let byTime = [onsetPts, apexPts, offsetPts].compactMap { $0 }.count
        guard (byIndex == 3 && byTime == 0) || (byIndex == 0 && byTime == 3) else {
            throw ValidationError("give --onset, --apex and --offset (frame indices), or the three --*-pts options (seconds)")
        }
        switch keyFrames {
        case .indices(let a, let b, let c)?:
            guard a >= 0, a < b, b < c else { throw ValidationError("key frames must satisfy 0 <= onset < apex < offset") }
        case .times(let a, let b, let c)?:
            guard a >= 0, a < b, b < c else { throw ValidationError("key times must satisfy 0 <= onset < apex < offset") }
        case nil: break
        }
    }

    struct Failure: Error { let status: ExitStatus; let message: String }

    func run() async throws {
        let logger = global.makeLogger()
        do {
            let record = try await classify(logger: logger)
            let output = JSONLinesOutput()
            try output.write(record, flush: true)
        } catch let failure as Failure {
            logger.error("\(failure.message)")
            throw failure.status.exitCode
        }
    }

    private func classify(logger: Logger) async throws -> JSONObject {
        guard let modelPath = model ?? ModelLocator.defaultModel() else {
            throw Failure(status: .noInput, message: "no model: pass --model PATH (python -m mextrain export writes one)")
        }
        let classifier: Classifier
        do { classifier = try Classifier(modelPath: modelPath) } catch { throw Failure(status: .dataError, message: error.description) }
        let detector: HaarFaceDetector
        do { detector = try HaarFaceDetector(cascadePath: cascade) } catch { throw Failure(status: .unavailable, message: error.description) }

        let reader: FFmpegVideoReader
        do { reader = try FFmpegVideoReader(location: input, logger: logger) } catch { throw Failure(status: ExitStatus(error), message: error.description) }
        let fps = reader.info.fps ?? 30
        let keys = try await keyFrameIndices(reader: reader, fps: fps)
        let frames = keys.frames
        let tracker = FaceTracker(detector: detector, fps: fps)
        var chosen: TrackedFace?
        for frame in frames.warmUp + [frames.onset] {
            let faces = try tracker.update(frame)
            if frame.index == frames.onset.index {
                let visible = faces.filter(\.visible)
                chosen = track.map { id in visible.first { $0.trackID == id } } ?? visible.max { $0.box.area < $1.box.area }
            }
        }
        guard let face = chosen else {
            let which = track.map { "track \($0) visible" } ?? "face detected"
            throw Failure(status: .dataError, message: "\(input): no \(which) at the onset frame \(frames.onset.index)")
        }
        // The crop box as Training/ finds it: the cascade at full resolution on the onset
        // frame (minimum 48 px), the detection that overlaps the track.
        let full = (try? detector.detect(in: frames.onset.image, minSize: 48)) ?? []
        let box = full.max { $0.box.iou(face.box) < $1.box.iou(face.box) }.flatMap { $0.box.iou(face.box) > 0.3 ? $0.box : nil } ?? face.box
        tracker.freeze(face.trackID, box: box)
        for frame in [frames.apex, frames.offset] {
            if !(try tracker.update(frame).contains { $0.trackID == face.trackID && $0.visible }) {
                logger.warning("\(input): track \(face.trackID) not detected at frame \(frame.index); using its frozen box")
            }
        }
        let result: Classification
        do {
            let crops = try [frames.onset, frames.apex, frames.offset].map { try $0.image.crop(box, size: ClassifierInput.faceSide) }
            let tensor = try ClassifierInput.forEvent(onset: crops[0], apex: crops[1], offset: crops[2],
                                                      preprocessing: ClassifierInput.Preprocessing(card: classifier.card.preprocessing))
            result = try classifier.classify(tensor)
        } catch let error as ModelError {
            throw Failure(status: .dataError, message: error.description)
        }
        let summary = Records.ClassifierResult(result, card: classifier.card)
        return Records.classification(source: input, trackID: face.trackID, box: face.box, confidence: face.confidence,
                                      onset: frames.onset, apex: frames.apex, offset: frames.offset, result: summary)
    }

    struct KeyFrameSet {
        var warmUp: [Frame] = []
        var onset: Frame
        var apex: Frame
        var offset: Frame
    }

    /// Decodes up to the offset, keeping the key frames and one second before the onset
    /// for the tracker to settle.
    private func keyFrameIndices(reader: FFmpegVideoReader, fps: Double) async throws -> (frames: KeyFrameSet, fps: Double) {
        let warmUpFrames = Int(fps.rounded())
        var history: [Frame] = []
        var found: [Frame?] = [nil, nil, nil]
        var previous: Frame?
        let stream = FrameStream(reader, policy: .block)
        do {
            for try await frame in stream {
                switch keyFrames! {
                case .indices(let a, let b, let c):
                    for (slot, index) in [a, b, c].enumerated() where frame.index == index { found[slot] = frame }
                case .times(let a, let b, let c):
                    // The frame nearest each time: this one, or the one before if that was closer.
                    for (slot, time) in [a, b, c].enumerated() where found[slot] == nil && frame.pts >= time {
                        found[slot] = previous.map { abs($0.pts - time) < abs(frame.pts - time) ? $0 : frame } ?? frame
                    }
                }
                if found[0] == nil {
                    history.append(frame)
                    if history.count > warmUpFrames { history.removeFirst() }
                }
                previous = frame
                if found[2] != nil { stream.stop(); break }
            }
        } catch {
            throw Failure(status: ExitStatus(error), message: error.description)
        }
        guard let onsetFrame = found[0], let apexFrame = found[1], let offsetFrame = found[2] else {
            let last = previous.map { "frame \($0.index), \(String(format: "%.3f", $0.pts)) s" } ?? "no frame"
            throw Failure(status: .dataError, message: "\(input): key frame out of range (the video ends at \(last))")
        }
        let warmUp = history.filter { $0.index < onsetFrame.index }
        return (KeyFrameSet(warmUp: warmUp, onset: onsetFrame, apex: apexFrame, offset: offsetFrame), fps)
    }
}
