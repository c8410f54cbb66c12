import GRDB

/// Events after a seq, with the journal's last seq at the same moment.
public struct DeliveryPage: Sendable, Equatable {
    /// In seq order.
    public var entries: [JournalEntry]
    /// The largest seq assigned when the page was read, pruned events included: seqs up
    /// to it that have no row were deleted.
    public var lastSeq: Int64

    public init(entries: [JournalEntry], lastSeq: Int64) {
        self.entries = entries
        self.lastSeq = lastSeq
    }
}

/// What a broker has of the journal (docs/ARCHITECTURE.md section 3.7): the MQTT
/// publisher reads events from here and records how far the broker acknowledged them,
/// so that after an outage or a restart it republishes from there.
extension EventJournal {
    /// The seq up to which `broker` acknowledged every event, or nil when events were
    /// never published to it.
    public func acknowledgedSeq(broker: String) throws(JournalError) -> Int64? {
        try reading { db in
            try Int64.fetchOne(db, sql: "SELECT acknowledged_seq FROM broker_delivery WHERE broker = ?", arguments: [broker])
        }
    }

    /// Records that `broker` has every event up to `seq`. The seq only moves forward:
    /// a smaller one than stored changes nothing.
    public func storeAcknowledgedSeq(_ seq: Int64, broker: String) throws(JournalError) {
        try writing { db in
            try db.execute(sql: """
                INSERT INTO broker_delivery (broker, acknowledged_seq) VALUES (?, ?)
                ON CONFLICT(broker) DO UPDATE SET acknowledged_seq = max(acknowledged_seq, excluded.acknowledged_seq)
                """, arguments: [broker, seq])
        }
    }

    /// Up to `limit` events after `seq`, and the last seq, read in one snapshot so that
    /// a seq without a row up to `lastSeq` is known to be pruned, not yet to come.
    public func deliveryPage(after seq: Int64, limit: Int) throws(JournalError) -> DeliveryPage {
        try reading { db in
            let entries = try Row.fetchAll(db, sql: "SELECT \(JournalEntry.columns) FROM event WHERE seq > ? ORDER BY seq LIMIT ?",
                                           arguments: [seq, max(0, limit)]).map(JournalEntry.init(row:))
            return DeliveryPage(entries: entries, lastSeq: try Self.lastSeq(db))
        }
    }
}
