import Foundation
import GRDB

/// What one pruning did.
public struct PruneReport: Sendable, Equatable {
    /// Events deleted.
    public var events: Int
    /// The first picture that could not be deleted; it is tried again at the next pruning.
    public var snapshotError: SnapshotError?

    public init(events: Int, snapshotError: SnapshotError? = nil) {
        self.events = events
        self.snapshotError = snapshotError
    }
}

extension EventJournal {
    /// Deletes what the retention no longer keeps; returns how many events went.
    @discardableResult
    public func prune(now: Double = Date().timeIntervalSince1970) throws(JournalError) -> Int {
        try pruneReport(now: now).events
    }

    /// Deletes what the retention no longer keeps: the rows and their series in one
    /// transaction, then, once that has committed, the pictures of every seq without a
    /// row (`sweepSnapshots`). A picture that cannot be deleted does not undo the
    /// pruning: it is reported and tried again next time.
    public func pruneReport(now: Double = Date().timeIntervalSince1970) throws(JournalError) -> PruneReport {
        let retention = self.retention
        // event_series rows go with their events (ON DELETE CASCADE).
        let deleted = try writing { db in
            var deleted = 0
            if retention.days > 0 {
                try db.execute(sql: "DELETE FROM event WHERE time < ?", arguments: [now - retention.days * 86_400])
                deleted += db.changesCount
            }
            if retention.maxEvents > 0 {
                try db.execute(sql: """
                    DELETE FROM event WHERE seq <= (SELECT seq FROM event ORDER BY seq DESC LIMIT 1 OFFSET ?)
                    """, arguments: [retention.maxEvents])
                deleted += db.changesCount
            }
            return deleted
        }
        return PruneReport(events: deleted, snapshotError: try sweepSnapshots())
    }
}
