import ArgumentParser
import Foundation
import Logging
import MexClassify
import MexFace
import MexPipeline

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
            scanned; the exit status is that of the first failure in the order given (see mexd(8)). \
            With --jobs N, up to N inputs are scanned at once, each started in the order given: \
            lines stay whole and each input's records stay in order, but the inputs' records \
            interleave (tell them apart by their "source"). SIGINT or SIGTERM ends the inputs \
            being scanned, each with its EOF record, and skips the rest.
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

    @Option(help: ArgumentHelp("Scan up to N inputs at once, each with its own pipeline (1 to \(Self.maxJobs); more than there are inputs counts as one per input).",
                               valueName: "N"))
    var jobs = 1

    /// The most jobs `--jobs` takes: each running input holds its decoder, frame queue and
    /// pipeline (up to 200 MB, docs/ARCHITECTURE.md section 10), so a mistyped count would
    /// exhaust memory before it used the cores.
    static let maxJobs = 64

    @Option(help: ArgumentHelp("Also write an HTML report (timelines, key faces, flow pictures): FILE.html for one input; with several, a folder with one NAME.html per input.",
                               valueName: "path"))
    var report: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let maxFrames, maxFrames <= 0 { throw ValidationError("--max-frames must be positive") }
        if !(1...Self.maxJobs).contains(jobs) { throw ValidationError("--jobs must be 1 to \(Self.maxJobs)") }
        if let report, inputs.count > 1, ReportPaths.isFile(report) {
            throw ValidationError("--report \(report): several inputs need a folder (a path ending in / or an existing folder), one report per input")
        }
    }

    func run() async throws {
        let logger = global.makeLogger()
        let writer = RecordWriter()
        let signals = StopSignals()
        let workers = min(jobs, inputs.count)
        let analyses = try decodeOnly ? nil : (0..<workers).map { _ in try makeAnalysis(logger: logger) }
        let reportPaths: [String]?
        do { reportPaths = try report.map { try ReportPaths.paths(for: inputs, at: $0) } } catch {
            logger.error("\(error)")
            throw ExitStatus.cantCreate.exitCode
        }
        let progress = ProgressBar(inputs: inputs.count, jobs: workers)
        let job = ScanJob(frames: frames, maxFrames: maxFrames, writer: writer, progress: progress, signals: signals, logger: logger)
        let statuses = await ScanJobs(inputs: inputs.count, workers: workers).run { [inputs] i, worker in
            if signals.stopped {
                logger.notice("stopped by signal; \(inputs[i]) not scanned")
                return .ok
            }
            return await job.scan(inputs[i], number: i, report: reportPaths?[i], analysis: analyses?[worker])
        }
        if let error = await writer.finish() {
            logger.error("\(error)")
            throw ExitStatus.ioError.exitCode
        }
        if let failure = statuses.first(where: { $0 != .ok }) { throw failure.exitCode }
    }

    /// What a job's pipelines use, one input after another: the face detector, which
    /// is not thread-safe, and the classifier worker.
    ///
    /// Unchecked: `ScanJobs` hands worker w's inputs, one at a time, to `analyses[w]`
    /// alone, so no two threads use one detector at once.
    struct Analysis: @unchecked Sendable {
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
        return Analysis(detector: detector, classifier: EventClassifier(classifier: classifier, spottingOnly: noClassify))
    }
}
