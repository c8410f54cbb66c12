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
        // Where each MQTT broker stands: the highest seq up to which it has acknowledged
        // every event (or every one that still existed), by broker ("host:port"). Journals
        // of an older mexd get the table, empty, when the daemon opens them.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: """
                CREATE TABLE broker_delivery (
                    broker TEXT PRIMARY KEY,
                    acknowledged_seq INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }
}
