import GRDB

/// The journal's tables, one GRDB migration per change. A journal made by an older mexd
/// is brought up to date in place when the daemon opens it; migrations already applied
/// are recorded in the database and never run again.
enum JournalSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE event (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    time REAL NOT NULL,
                    source TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    label TEXT,
                    record TEXT NOT NULL
                );
                CREATE INDEX event_source ON event(source, seq);
                CREATE INDEX event_time ON event(time);
                """)
        }
        // Each event's motion series (its score and threshold around it), known only
        // after the event was stored. A table of its own keeps the event rows, which
        // every query scans, small; the rows go with their event.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE event_series (
                    seq INTEGER PRIMARY KEY REFERENCES event(seq) ON DELETE CASCADE,
                    series TEXT NOT NULL
                );
                """)
        }
        return migrator
    }
}
