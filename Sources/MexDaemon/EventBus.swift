import Foundation
import Logging
import MexClassify
import MexJournal
import MexPipeline
import MexProtocol
import MexServer
import MexSession

/// Where every record the daemon makes goes: EVENTs into the journal first (so the
/// seq a subscriber sees is already on disk), then to the subscribers.
public final class EventBus: Sendable {
    public let board: SourceBoard
    private let journal: EventJournal
    private let server: ProtocolServer
    private let card: ModelCard?
    private let logger: Logger

    public init(journal: EventJournal, server: ProtocolServer, board: SourceBoard, card: ModelCard?, logger: Logger) {
        self.journal = journal
        self.server = server
        self.board = board
        self.card = card
        self.logger = logger
    }

    /// Journals and publishes one classified event; returns its seq (nil when the
    /// journal failed: the event is still published, without a seq).
    @discardableResult
    public func commit(_ event: ClassifiedEvent, endReason: EventEndReason?) -> Int64? {
        let time = Date()
        let source = event.candidate.source
        var fields = EventPublisher.fields(event, sequence: 0, card: card, endReason: endReason, time: time)
        let line: String
        var seq: Int64?
        do {
            let template = fields
            let entry = try journal.append(time: time.timeIntervalSince1970, source: source, kind: fields.kind,
                                           label: fields.result?.label) { seq in
                var f = template
                f.sequence = Int(seq)
                return Records.event(f).line
            }
            line = entry.record
            seq = entry.seq
        } catch {
            logger.error("\(error); event published without a seq")
            fields.sequence = 0
            var record = Records.event(fields)
            record.remove("seq")
            record.remove("id")
            line = record.line
        }
        board.update(source) { $0.events += 1 }
        server.publish(OutgoingRecord(name: .event, source: source, line: line))
        return seq
    }

    /// How many subscribers take FRAME records: sources skip making them when none do.
    public var frameWatchers: Int { server.hub.frameWatchers }

    /// A record that is not journaled (SOURCE, FRAME, STATS, EOF).
    public func publish(_ record: JSONObject, source: String?) {
        server.publish(OutgoingRecord(record, source: source))
    }
}
