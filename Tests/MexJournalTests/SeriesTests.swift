import Foundation
import MexJournal
import XCTest

final class SeriesTests: XCTestCase {
    private var folder: JournalTestFolder!

    override func setUpWithError() throws { folder = try JournalTestFolder() }
    override func tearDownWithError() throws { folder.remove() }

    private func append(_ journal: EventJournal) throws -> Int64 {
        try journal.append(time: 1000, source: "cam0", kind: "micro", label: nil) { "{\"seq\":\($0)}" }.seq
    }

    func testASeriesIsStoredByItsSeqAndReadBack() throws {
        let journal = try EventJournal(path: folder.journalPath)
        let first = try append(journal)
        let second = try append(journal)
        XCTAssertNil(try journal.series(seq: first), "none until it is stored")
        let series = #"{"t":[-2.0,-1.9],"score":[0.1,0.3],"threshold":[0.5,0.5]}"#
        try journal.storeSeries(series, seq: first)
        XCTAssertEqual(try journal.series(seq: first), series)
        XCTAssertNil(try journal.series(seq: second))
        try journal.storeSeries("[]", seq: first)
        XCTAssertEqual(try journal.series(seq: first), "[]", "a second store replaces the first")
        XCTAssertEqual(try journal.entries(JournalQuery()).map(\.record), ["{\"seq\":1}", "{\"seq\":2}"], "the records are untouched")
    }

    func testASeriesForAPrunedOrUnknownSeqIsIgnored() throws {
        let journal = try EventJournal(path: folder.journalPath, retention: JournalRetention(days: 0, maxEvents: 1))
        let pruned = try append(journal)
        let kept = try append(journal)
        XCTAssertEqual(try journal.prune(), 1)
        try journal.storeSeries("[1]", seq: pruned)
        try journal.storeSeries("[9]", seq: 99)
        try journal.storeSeries("[2]", seq: kept)
        XCTAssertNil(try journal.series(seq: pruned))
        XCTAssertNil(try journal.series(seq: 99))
        XCTAssertEqual(try journal.series(seq: kept), "[2]")
    }
}
