import Foundation
import Logging
import MexClassify
import MexCore
import MexJournal
import MexPipeline
import MexProtocol
import MexReport
import MexServer
import MexSession

/// Where every record the daemon makes goes: EVENTs into the journal first (so the
/// seq a subscriber sees is already on disk), then to the subscribers and the relay
/// (the MQTT publisher, when [mqtt] names a broker).
public final class EventBus: Sendable {
    public let board: SourceBoard
    private let journal: EventJournal
    private let server: ProtocolServer
    private let relay: (any RecordRelay)?
    private let card: ModelCard?
    /// Keep each event's pictures beside the journal (`[journal] snapshots`).
    private let snapshots: Bool
    private let logger: Logger

    public init(journal: EventJournal, server: ProtocolServer, board: SourceBoard, card: ModelCard?, snapshots: Bool = false,
                relay: (any RecordRelay)? = nil, logger: Logger) {
        self.journal = journal
        self.server = server
        self.relay = relay
        self.board = board
        self.card = card
        self.snapshots = snapshots
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
            let (entry, snapshotError) = try journal.append(time: time.timeIntervalSince1970, source: source, kind: fields.kind,
                                                            label: fields.result?.label, pictures: pictures(event)) { seq, paths in
                var f = template
                f.sequence = Int(seq)
                f.snapshots = paths
                return Records.event(f).line
            }
            if let snapshotError { logger.warning("\(source): event \(entry.seq) journaled without its pictures: \(snapshotError)") }
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
        relay?.eventCommitted(seq: seq, source: source, line: line)
        return seq
    }

    /// Stores an event's score series with it (`mexd events --report` draws it).
    public func store(_ series: MotionSeries, seq: Int64) {
        do {
            let json = String(decoding: try JSONEncoder().encode(series), as: UTF8.self)
            try journal.storeSeries(json, seq: seq)
        } catch {
            logger.warning("event \(seq): score series not journaled: \(error)")
        }
    }

    /// The event's pictures for the journal, when it keeps them: the key faces and the
    /// onset-to-apex flow, encoded as the scan report encodes them.
    private func pictures(_ event: ClassifiedEvent) -> [SnapshotPicture] {
        guard snapshots else { return [] }
        let p = ReportEvent.pictures(event)
        return ReportEvent.Pictures.roles.compactMap { role, picture in
            p[keyPath: picture].map { SnapshotPicture(role: role, fileExtension: $0.mimeType == "image/png" ? "png" : "jpg", bytes: $0.bytes) }
        }
    }

    /// How many subscribers take FRAME records: sources skip making them when none do.
    public var frameWatchers: Int { server.hub.frameWatchers }

    /// A record that is not journaled (SOURCE, FRAME, STATS, EOF).
    public func publish(_ record: JSONObject, source: String?) {
        server.publish(OutgoingRecord(record, source: source))
        relay?.published(record, source: source)
    }

    /// A source left SOURCES for good (a finished scan): the relay forgets its state.
    public func sourceLeft(_ source: String) {
        relay?.sourceLeft(source)
    }
}
