import GRDB

extension EventJournal {
    /// Stores the motion series of event `seq`: opaque text (JSON made by the caller),
    /// replacing any stored before. It becomes known after the event was appended; an
    /// event pruned meanwhile is skipped, and its series is not stored.
    public func storeSeries(_ json: String, seq: Int64) throws(JournalError) {
        try writing { db in
            try db.execute(sql: "INSERT OR REPLACE INTO event_series (seq, series) SELECT seq, ? FROM event WHERE seq = ?",
                           arguments: [json, seq])
        }
    }

    /// The motion series stored for event `seq`, or nil.
    public func series(seq: Int64) throws(JournalError) -> String? {
        try reading { db in try String.fetchOne(db, sql: "SELECT series FROM event_series WHERE seq = ?", arguments: [seq]) }
    }
}
