import ArgumentParser
import Foundation
import Logging
import MexClassify
import MexCore
import MexFace
import MexPipeline
import MexProtocol
import MexReport
import MexSession
import MexSource
import MexSpotting

/// `mexd scan FILE...`: runs each input through the pipeline and streams JSON Lines
/// records to stdout.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan video files (or a camera, or a stream URL) and print JSON Lines records.",
        discussion: """
            Each input yields a SOURCE record when it opens, an EVENT record for each \
            micro- or macro-expression as it is found (faces tracked, motion scored, the causal \
            apex spotter, SKD-TSTSAN on the key frames), optional FRAME records, and an EOF \
            record with totals. Inputs that fail are reported on stderr and the others are still \
            scanned; the exit status is that of the first failure (see mexd(8)). SIGINT or SIGTERM \
            ends the current input with its EOF record and skips the rest.
            """)

    @Argument(help: "Files, image sequences (img%03d.png), rtsp:// URLs or /dev/video* devices.")
    var inputs: [String]

    @Flag(help: "Emit a FRAME record for every frame (index, pts, and each face's box, motion score and threshold).")
    var frames = false

    @Option(help: "Stop each input after this many frames (needed for cameras, which never end).")
    var maxFrames: Int?

    @Option(help: "ONNX model exported by Training/ (its card NAME.json beside it). Default: the bundled model.")
    var model: String?

    @Flag(help: "Spot events but do not classify them.")
    var noClassify = false

    @Flag(help: "Only decode: no faces, no events (the decode benchmark's mode).")
    var decodeOnly = false

    @Option(help: "OpenCV Haar cascade for face detection.")
    var cascade: String = HaarFaceDetector.defaultCascade

    @Option(help: ArgumentHelp("Also write an HTML report (timelines, key faces, flow pictures): FILE.html for one input; with several, a folder with one NAME.html per input.",
                               valueName: "path"))
    var report: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let maxFrames, maxFrames <= 0 { throw ValidationError("--max-frames must be positive") }
        if let report, inputs.count > 1, ReportPaths.isFile(report) {
            throw ValidationError("--report \(report): several inputs need a folder (a path ending in / or an existing folder), one report per input")
        }
    }

    func run() async throws {
        let logger = global.makeLogger()
        let writer = RecordWriter()
        let opener = SourceOpener()
        let signals = StopSignals()
        let analysis = try decodeOnly ? nil : makeAnalysis(logger: logger)
        let reportPaths: [String]?
        do { reportPaths = try report.map { try ReportPaths.paths(for: inputs, at: $0) } } catch {
            logger.error("\(error)")
            throw ExitStatus.cantCreate.exitCode
        }
        var status = ExitStatus.ok
        for (i, input) in inputs.enumerated() {
            if signals.stopped {
                logger.notice("stopped by signal; \(input) not scanned")
                continue
            }
            let result = await scan(input, report: reportPaths?[i], opener: opener, writer: writer, analysis: analysis, signals: signals,
                                    logger: logger)
            if status == .ok { status = result }
        }
        if let error = await writer.finish() {
            logger.error("\(error)")
            throw ExitStatus.ioError.exitCode
        }
        if status != .ok { throw status.exitCode }
    }

    /// What every input's pipeline shares: the face detector and the classifier worker.
    struct Analysis {
        var detector: HaarFaceDetector
        var classifier: EventClassifier
    }

    private func makeAnalysis(logger: Logger) throws -> Analysis {
        let detector: HaarFaceDetector
        do { detector = try HaarFaceDetector(cascadePath: cascade) } catch {
            logger.error("\(error)")
            throw ExitStatus.unavailable.exitCode
        }
        var classifier: Classifier?
        if !noClassify {
            if let path = model ?? ModelLocator.defaultModel() {
                do { classifier = try Classifier(modelPath: path) } catch {
                    logger.error("\(error)")
                    throw ExitStatus.dataError.exitCode
                }
            }
            // Without a model, events are still spotted; the first one says why it has no label.
        }
        return Analysis(detector: detector, classifier: EventClassifier(classifier: classifier))
    }

    private func scan(_ input: String, report reportPath: String?, opener: SourceOpener, writer: RecordWriter, analysis: Analysis?,
                      signals: StopSignals, logger: Logger) async -> ExitStatus {
        var report: ScanReport?
        if let reportPath {
            let card = analysis?.classifier.card
            do {
                report = try ScanReport(path: reportPath, source: input, video: ReportPaths.videoLink(input, report: reportPath),
                                        model: card.map { ScanReport.Model(name: $0.name, trainingData: $0.training?.data) })
            } catch {
                logger.error("\(error)")
                return .cantCreate
            }
        }
        var options = SourceSession.Options(name: input, location: input)
        options.opener = opener
        options.maxFrames = maxFrames
        let frames = self.frames
        options.wantsFrames = { frames }
        let output = ScanOutput(writer: writer, card: analysis?.classifier.card, label: input, report: report)
        let session = SourceSession(options: options, analysis: analysis.map {
            SourceSession.Analysis(detector: $0.detector, classifier: $0.classifier) { (AnalysisSettings(), 0) }
        }, sink: output, observer: output, logger: logger)
        signals.watch(session.control)
        defer { signals.watch(nil) }
        let result = await session.run()
        output.finish()
        if let report {
            report.finish(ScanReport.Ending(frames: result.statistics.frames, droppedFrames: result.statistics.droppedFrames,
                                            how: Self.describe(result.ending)))
            if let error = report.error {
                logger.error("\(report.path): \(error)")
                return .ioError
            }
            logger.info("report: \(report.path)")
        }
        switch result.ending {
        case .openFailed(let error), .failed(let error):
            logger.error("\(error)")
            return ExitStatus(error)
        case .pipelineFailed(let message):
            logger.error("\(input): \(message)")
            return .software
        case .ended, .stopped, .stalled, .brokeOff:
            return .ok
        }
    }
}

extension ScanCommand {
    /// How a session ended, in a report's words.
    static func describe(_ ending: SessionEnding) -> String {
        switch ending {
        case .ended: "end of the input"
        case .stopped: "stopped (signal or --max-frames)"
        case .stalled: "stalled: no frames"
        case .openFailed(let error), .failed(let error): "error: \(error)"
        case .brokeOff(let message): message
        case .pipelineFailed(let message): "pipeline failed: \(message)"
        }
    }
}

/// A scan's records on stdout: SOURCE, EVENT and EOF flushed at once, FRAME records
/// flushed at once only for live sources (a file's are written in large chunks). Also
/// draws the progress bar.
private final class ScanOutput: SessionSink, SessionObserver, @unchecked Sendable {
    private let writer: RecordWriter
    private let card: ModelCard?
    private let label: String
    private let report: ScanReport?
    // Set by `opened`, before any record is written; read by the session's writes.
    private var live = false
    private var progress: ProgressBar?

    init(writer: RecordWriter, card: ModelCard?, label: String, report: ScanReport?) {
        self.writer = writer
        self.card = card
        self.label = label
        self.report = report
    }

    func record(_ record: JSONObject) async {
        await writer.write(record, flush: record.recordClass != .frame || live)
    }

    func event(_ event: ClassifiedEvent, number: Int, endReason: EventEndReason?) async {
        let fields = EventPublisher.fields(event, sequence: number, card: card, endReason: endReason)
        await writer.write(Records.event(fields), flush: true)
        report?.event(ReportEvent(event, number: number, endReason: endReason?.rawValue))
    }

    func opened(_ info: StreamInfo) {
        live = info.kind != .file
        progress = ProgressBar(total: info.duration, label: label)
        report?.opened(info)
    }

    func frameAnalysed(index: Int, pts: Double, faces: [FacePipeline.FaceObservation]) {
        guard let report else { return }
        report.frame(pts: pts, faces: faces.map {
            ScanReport.FaceSample(track: $0.face.trackID, score: $0.score, threshold: $0.threshold, speaking: $0.speaking,
                                  headMoving: $0.headMoving, detected: $0.face.visible)
        })
    }

    func frameFinished(pts: Double, frames: Int, droppedFrames: Int, faces: Int) {
        progress?.update(seconds: pts)
    }

    func finish() { progress?.finish() }
}
