import GRDB

extension EventJournal {
    /// The folder of the events' pictures: the journal's path followed by "-snapshots"
    /// (`/var/lib/mexd/journal.sqlite-snapshots`), absolute. Each event with pictures has
    /// a folder in it named by its seq, one file per picture named by its role:
    /// `<snapshotDirectory>/42/apex.jpg`. Made on demand, 0750; files 0640.
    public var snapshotDirectory: String { snapshots.path }

    /// Stores an event as `append(time:source:kind:label:record:)` does, and its pictures
    /// as files named by the seq it gets, written and synced before the row commits.
    /// `record` gets the seq and the paths of the pictures written.
    ///
    /// Pictures that cannot be written (a full disk, no permission, a bad role) do not
    /// lose the event: it is stored without any of them, and `snapshotError` says why.
    /// When the row does not commit, its pictures are deleted again before another event
    /// can be given the same seq.
    public func append(time: Double, source: String, kind: String, label: String?, pictures: [SnapshotPicture],
                       record: (Int64, SnapshotPaths) -> String) throws(JournalError) -> (entry: JournalEntry, snapshotError: SnapshotError?) {
        var snapshotError: SnapshotError?
        var assignedSeq: Int64?
        let entry = try writing({ db in
            try db.execute(sql: "INSERT INTO event (time, source, kind, label, record) VALUES (?, ?, ?, ?, '')",
                           arguments: [time, source, kind, label])
            let seq = db.lastInsertedRowID
            assignedSeq = seq
            // Without pictures this only clears what an uncommitted event of the
            // same seq may have left: two failed look-ups when there is nothing.
            var paths: SnapshotPaths = [:]
            do throws(SnapshotError) {
                paths = try snapshots.write(pictures, seq: seq)
            } catch {
                snapshotError = error
            }
            let json = record(seq, paths)
            try db.execute(sql: "UPDATE event SET record = ? WHERE seq = ?", arguments: [json, seq])
            return JournalEntry(seq: seq, time: time, source: source, kind: kind, label: label, record: json)
        }, undo: {
            // The seq was not committed and goes to the next event: its pictures must not.
            if let assignedSeq { try? snapshots.remove(assignedSeq) }
        })
        return (entry, snapshotError)
    }

    /// The pictures event `seq` has on disk, role -> absolute path; empty when it has none
    /// (snapshots off, not written, or pruned).
    public func snapshotPaths(seq: Int64) throws(SnapshotError) -> SnapshotPaths {
        try snapshots.paths(seq)
    }

    /// Deletes the pictures of every seq up to the last assigned that has no row: those
    /// of the rows just pruned, and those a crash left between writing the pictures and
    /// committing the row. Seqs above the last assigned may belong to an append under
    /// way and are left alone. Every orphan is tried; the first failure is returned, and
    /// what failed is tried again at the next sweep.
    func sweepSnapshots() throws(JournalError) -> SnapshotError? {
        let onDisk: (finished: [Int64], partial: [Int64])
        do throws(SnapshotError) {
            onDisk = try snapshots.seqsOnDisk()
        } catch {
            return error
        }
        if onDisk.finished.isEmpty && onDisk.partial.isEmpty { return nil }
        let (lastSeq, orphans) = try reading { db in
            let lastSeq = try Self.lastSeq(db)
            return (lastSeq, try Self.seqsWithoutRow(onDisk.finished.filter { $0 <= lastSeq }, db))
        }
        var firstError: SnapshotError?
        func attempt(_ removal: () throws(SnapshotError) -> Void) {
            do throws(SnapshotError) { try removal() } catch { firstError = firstError ?? error }
        }
        for seq in orphans { attempt { () throws(SnapshotError) in try snapshots.remove(seq) } }
        // A partial folder of a seq that has a row is only what a failed write left.
        for seq in onDisk.partial where seq <= lastSeq { attempt { () throws(SnapshotError) in try snapshots.removePartial(seq) } }
        return firstError
    }

    /// Of the ascending `seqs`, those without an event row: one pass along the primary key.
    private static func seqsWithoutRow(_ seqs: [Int64], _ db: Database) throws -> [Int64] {
        guard let first = seqs.first else { return [] }
        let rows = try Int64.fetchCursor(db, sql: "SELECT seq FROM event WHERE seq >= ? ORDER BY seq", arguments: [first])
        var row = try rows.next()
        var missing: [Int64] = []
        for seq in seqs {
            while let current = row, current < seq { row = try rows.next() }
            if row != seq { missing.append(seq) }
        }
        return missing
    }
}
