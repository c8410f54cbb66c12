import Foundation
import Logging
import MexClassify
import MexCore
import MexPipeline
import MexProtocol

/// Sends one source's spotted events through classification and delivers them in the
/// order they were spotted, while the frame loop goes on. `mexd scan` delivers to
/// stdout, the daemon to the journal and the socket.
public final class EventPublisher {
    /// Receives each classified event with its 1-based number in this publisher's order
    /// and why it ended (nil: its offset was seen).
    public typealias Delivery = @Sendable (ClassifiedEvent, _ number: Int, _ endReason: EventEndReason?) async -> Void
    /// Receives an event's score series, after the event itself, with its number.
    public typealias SeriesDelivery = @Sendable (MotionSeries, _ number: Int) async -> Void

    private let worker: EventClassifier
    private let deliver: Delivery
    private let deliverSeries: SeriesDelivery?
    /// The number of each published event whose series has not come yet.
    private var numbers: [EventKey: Int] = [:]
    private let logger: Logger
    private var previous: Task<Void, Never>?
    public private(set) var count = 0

    public init(worker: EventClassifier, logger: Logger, deliver: @escaping Delivery, deliverSeries: SeriesDelivery? = nil) {
        self.worker = worker
        self.deliver = deliver
        self.deliverSeries = deliverSeries
        self.logger = logger
    }

    public func publish(_ candidate: EventCandidate, endReason: EventEndReason? = nil) {
        if worker.card == nil && !worker.spottingOnly && count == 0 {
            logger.warning("\(candidate.source): events are spotted but not classified: no model")
        }
        count += 1
        let number = count
        if deliverSeries != nil { numbers[candidate.key] = number }
        let before = previous
        let worker = self.worker
        let deliver = self.deliver
        let logger = self.logger
        previous = Task { [candidate, number, endReason, before, worker, deliver, logger] in
            let classified = await worker.classify(candidate)
            await before?.value
            if let error = classified.error {
                logger.warning("\(candidate.source): event \(number) not classified: \(error)")
            }
            await deliver(classified, number, endReason)
        }
    }

    /// Delivers the score series of a published event once the event itself is
    /// delivered; a series whose event was not published here is ignored.
    public func attach(_ series: MotionSeries, to key: EventKey) {
        guard let deliverSeries, let number = numbers.removeValue(forKey: key) else { return }
        let before = previous
        previous = Task { [before, deliverSeries, series, number] in
            await before?.value
            await deliverSeries(series, number)
        }
    }

    /// Waits until every event published so far is delivered.
    public func drain() async {
        await previous?.value
    }

    /// The EVENT record's fields for a classified event.
    public static func fields(_ event: ClassifiedEvent, sequence: Int, card: ModelCard?, endReason: EventEndReason? = nil,
                              time: Date = Date()) -> Records.EventFields {
        let c = event.candidate
        let frame = { (k: EventCandidate.KeyFrame) in Frame(index: k.frame, pts: k.pts, image: k.crop) }
        let result = event.result.flatMap { r in card.map { Records.ClassifierResult(r, card: $0) } }
        return Records.EventFields(source: c.source, sequence: sequence, trackID: c.trackID, kind: c.interval.kind.rawValue,
                                   onset: frame(c.onset), apex: frame(c.apex), offset: frame(c.offset),
                                   peakScore: c.interval.peakScore, threshold: c.interval.threshold, latency: c.latency,
                                   box: c.box, confidence: c.confidence, headMotion: c.interval.headMotion, speech: c.interval.speech,
                                   droppedFrames: c.droppedFrames, result: result, endReason: endReason, time: time)
    }
}
