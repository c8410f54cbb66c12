import MexClassify
import MexCore
import MexPipeline
import MexProtocol
import MexReport
import MexSession

/// One input's records on stdout: SOURCE, EVENT and EOF flushed at once, FRAME records
/// flushed at once only for live sources (a file's are written in large chunks). All
/// inputs write through the one `RecordWriter`, so lines stay whole when several
/// inputs run at once. Also feeds the input's report and the progress bar.
final class ScanOutput: SessionSink, SessionObserver, @unchecked Sendable {
    private let writer: RecordWriter
    private let card: ModelCard?
    private let input: Int
    private let label: String
    private let report: ScanReport?
    private let progress: ProgressBar?
    // Set by `opened`, before any record is written; read by the session's writes.
    private var live = false

    init(writer: RecordWriter, card: ModelCard?, input: Int, label: String, report: ScanReport?, progress: ProgressBar?) {
        self.writer = writer
        self.card = card
        self.input = input
        self.label = label
        self.report = report
        self.progress = progress
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
        progress?.opened(input, label: label, duration: info.duration)
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
        progress?.update(input, seconds: pts)
    }

    func finish() { progress?.finished(input) }
}
