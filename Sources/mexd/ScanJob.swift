import Logging
import MexReport
import MexSession
import MexSource

/// One input of `mexd scan`, from its report's head to its exit status: a
/// `SourceSession` writing to stdout through the shared `RecordWriter`. Several run at
/// once under `--jobs`, each on its worker's thread with its worker's `Analysis`.
struct ScanJob: Sendable {
    var frames: Bool
    var maxFrames: Int?
    var writer: RecordWriter
    var progress: ProgressBar?
    var signals: StopSignals
    var logger: Logger
    var opener = SourceOpener()

    /// Scans `input`, the `number`th of the command line (0-based), and says how it went.
    func scan(_ input: String, number: Int, report reportPath: String?, analysis: ScanCommand.Analysis?) async -> ExitStatus {
        var report: ScanReport?
        if let reportPath {
            let card = analysis?.classifier.card
            do {
                report = try ScanReport(path: reportPath, source: input, video: ReportPaths.videoLink(input, report: reportPath),
                                        model: card.map { ScanReport.Model(name: $0.name, trainingData: $0.training?.data) })
            } catch {
                progress?.finished(number)
                logger.error("\(error)")
                return .cantCreate
            }
        }
        var options = SourceSession.Options(name: input, location: input)
        options.opener = opener
        options.maxFrames = maxFrames
        let frames = self.frames
        options.wantsFrames = { frames }
        let output = ScanOutput(writer: writer, card: analysis?.classifier.card, input: number, label: input, report: report,
                                progress: progress)
        let session = SourceSession(options: options, analysis: analysis.map {
            SourceSession.Analysis(detector: $0.detector, classifier: $0.classifier) { (AnalysisSettings(), 0) }
        }, sink: output, observer: output, logger: logger)
        signals.watch(session.control)
        defer { signals.forget(session.control) }
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

extension ScanJob {
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
