import Foundation
import GRDB
import MexJournal
import XCTest

/// Journals written by an mexd before the series table must open and keep their events.
final class JournalMigrationTests: XCTestCase {
    private var folder: JournalTestFolder!

    override func setUpWithError() throws { folder = try JournalTestFolder() }
    override func tearDownWithError() throws { folder.remove() }

    /// A journal as the first schema made it: its one migration, applied by GRDB's
    /// migrator as that mexd did, and three events, the newest pruned. The SQL is the
    /// shipped v1 written out here, not taken from `JournalSchema`, so that the test keeps
    /// checking the files users have even if the schema's code is edited.
    private func makeVersion1Journal(at path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: path)
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
        try migrator.migrate(pool)
        try pool.write { db in
            for seq in 1...3 {
                try db.execute(sql: "INSERT INTO event (time, source, kind, label, record) VALUES (?, 'cam0', 'micro', 'surprise', ?)",
                               arguments: [Double(seq), "{\"seq\":\(seq)}"])
            }
            try db.execute(sql: "DELETE FROM event WHERE seq = 3")
        }
        try pool.close()
    }

    func testAVersion1JournalIsUpgradedInPlaceAndKeepsItsEvents() throws {
        try makeVersion1Journal(at: folder.journalPath)
        do {
            let journal = try EventJournal(path: folder.journalPath)
            XCTAssertEqual(try journal.entries(JournalQuery()).map(\.record), ["{\"seq\":1}", "{\"seq\":2}"])
            XCTAssertEqual(try journal.entries(JournalQuery(label: "surprise")).count, 2)
            XCTAssertEqual(try journal.lastSeq(), 3, "seq goes on past the pruned event")
            try journal.storeSeries("[1]", seq: 1)
            XCTAssertEqual(try journal.series(seq: 1), "[1]")
            let (entry, snapshotError) = try journal.append(time: 4, source: "cam0", kind: "micro", label: nil,
                                                            pictures: eventPictures(), record: eventRecord)
            XCTAssertEqual(entry.seq, 4)
            XCTAssertNil(snapshotError)
            // v3: where each MQTT broker stands, empty until a broker is used.
            XCTAssertNil(try journal.acknowledgedSeq(broker: "broker:1883"))
            try journal.storeAcknowledgedSeq(2, broker: "broker:1883")
        }
        // Opening again finds the schema current and changes nothing.
        let reopened = try EventJournal(path: folder.journalPath)
        XCTAssertEqual(try reopened.entries(JournalQuery()).map(\.seq), [1, 2, 4])
        XCTAssertEqual(try reopened.series(seq: 1), "[1]")
        XCTAssertEqual(try reopened.acknowledgedSeq(broker: "broker:1883"), 2)
        let readOnly = try EventJournal(path: folder.journalPath, readOnly: true)
        XCTAssertEqual(try readOnly.snapshotPaths(seq: 4).count, 4)
    }
}
