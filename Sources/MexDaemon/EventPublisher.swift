import Foundation
import Logging
import MexClassify
import MexCore
import MexPipeline
import MexProtocol

/// Sends spotted events through classification and writes them as EVENT records, in
/// the order they were spotted, while the frame loop goes on.
final class EventPublisher {
    private let worker: EventClassifier
    private let writer: RecordWriter
    private let logger: Logger
    private var previous: Task<Void, Never>?
    private(set) var sequence = 0

    init(worker: EventClassifier, writer: RecordWriter, logger: Logger) {
        self.worker = worker
        self.writer = writer
        self.logger = logger
    }

    func publish(_ candidate: EventCandidate) {
        if worker.card == nil && sequence == 0 {
            logger.warning("\(candidate.source): events are spotted but not classified: no model (--model PATH)")
        }
        sequence += 1
        let seq = sequence
        let before = previous
        let worker = self.worker
        let writer = self.writer
        let logger = self.logger
        previous = Task { [candidate, seq, before, worker, writer, logger] in
            await EventPublisher.deliver(candidate, sequence: seq, after: before, worker: worker, writer: writer, logger: logger)
        }
    }

    private static func deliver(_ candidate: EventCandidate, sequence: Int, after before: Task<Void, Never>?,
                                worker: EventClassifier, writer: RecordWriter, logger: Logger) async {
        let classified = await worker.classify(candidate)
        await before?.value
        if let error = classified.error {
            logger.warning("\(candidate.source): event \(sequence) not classified: \(error)")
        }
        await writer.write(Records.event(fields(classified, sequence: sequence, card: worker.card)), flush: true)
    }

    /// Waits until every event published so far is written.
    func drain() async {
        await previous?.value
    }

    static func fields(_ event: ClassifiedEvent, sequence: Int, card: ModelCard?) -> Records.EventFields {
        let c = event.candidate
        let frame = { (k: EventCandidate.KeyFrame) in Frame(index: k.frame, pts: k.pts, image: k.crop) }
        let result = event.result.flatMap { r in card.map { Records.ClassifierResult(r, card: $0) } }
        return Records.EventFields(source: c.source, sequence: sequence, trackID: c.trackID, kind: c.interval.kind.rawValue,
                                   onset: frame(c.onset), apex: frame(c.apex), offset: frame(c.offset),
                                   peakScore: c.interval.peakScore, threshold: c.interval.threshold, latency: c.latency,
                                   box: c.box, confidence: c.confidence, headMotion: c.interval.headMotion,
                                   droppedFrames: c.droppedFrames, result: result)
    }
}
