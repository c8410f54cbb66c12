import MexJournal
import XCTest

/// What the MQTT publisher keeps in the journal: each broker's acknowledged seq, and
/// pages of events with the last seq read at the same moment.
final class DeliveryTests: XCTestCase {
    private var folder: JournalTestFolder!

    override func setUpWithError() throws { folder = try JournalTestFolder() }
    override func tearDownWithError() throws { folder.remove() }

    private func append(_ journal: EventJournal, count: Int) throws {
        for _ in 0..<count {
            try journal.append(time: 1, source: "cam0", kind: "micro", label: nil) { #"{"seq":\#($0)}"# }
        }
    }

    func testEachBrokersSeqOnlyMovesForward() throws {
        let journal = try EventJournal(path: folder.journalPath)
        XCTAssertNil(try journal.acknowledgedSeq(broker: "a:1883"))
        try journal.storeAcknowledgedSeq(5, broker: "a:1883")
        try journal.storeAcknowledgedSeq(3, broker: "a:1883")
        try journal.storeAcknowledgedSeq(7, broker: "b:8883")
        XCTAssertEqual(try journal.acknowledgedSeq(broker: "a:1883"), 5, "a late, smaller seq changes nothing")
        XCTAssertEqual(try journal.acknowledgedSeq(broker: "b:8883"), 7)
        try journal.storeAcknowledgedSeq(9, broker: "a:1883")
        XCTAssertEqual(try EventJournal(path: folder.journalPath).acknowledgedSeq(broker: "a:1883"), 9, "kept across openings")
    }

    func testAPageShowsWhatRetentionTook() throws {
        let journal = try EventJournal(path: folder.journalPath, retention: JournalRetention(days: 0, maxEvents: 4))
        try append(journal, count: 10)
        var page = try journal.deliveryPage(after: 2, limit: 3)
        XCTAssertEqual(page.entries.map(\.seq), [3, 4, 5])
        XCTAssertEqual(page.entries.first?.record, #"{"seq":3}"#)
        XCTAssertEqual(page.lastSeq, 10)
        try journal.prune()
        page = try journal.deliveryPage(after: 2, limit: 100)
        XCTAssertEqual(page.entries.map(\.seq), [7, 8, 9, 10], "3-6 were pruned")
        XCTAssertEqual(page.lastSeq, 10)
        page = try journal.deliveryPage(after: 10, limit: 100)
        XCTAssertEqual(page.entries, [])
        XCTAssertEqual(page.lastSeq, 10)
    }
}
