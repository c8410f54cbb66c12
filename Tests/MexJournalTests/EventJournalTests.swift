import Foundation
import MexJournal
import XCTest

final class EventJournalTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var path: String { directory.appendingPathComponent("state/journal.sqlite").path }

    private func append(_ journal: EventJournal, source: String = "cam0", label: String? = "positive", time: Double = 1000) throws -> JournalEntry {
        try journal.append(time: time, source: source, kind: "micro", label: label) { seq in
            #"{"class":"EVENT","seq":\#(seq),"source":"\#(source)"}"#
        }
    }

    func testSeqIsAssignedAndWrittenIntoTheRecord() throws {
        let journal = try EventJournal(path: path)
        XCTAssertEqual(try journal.lastSeq(), 0)
        let a = try append(journal)
        let b = try append(journal, source: "cam1")
        XCTAssertEqual(a.seq, 1)
        XCTAssertEqual(b.seq, 2)
        XCTAssertEqual(b.record, #"{"class":"EVENT","seq":2,"source":"cam1"}"#)
        XCTAssertEqual(try journal.entries(JournalQuery()).map(\.record), [a.record, b.record])
    }

    func testSeqContinuesAfterReopenAndAfterPruningTheNewest() throws {
        do {
            let journal = try EventJournal(path: path, retention: JournalRetention(days: 0, maxEvents: 1))
            for _ in 0..<3 { _ = try append(journal) }
            XCTAssertEqual(try journal.prune(), 2)
            XCTAssertEqual(try journal.count(), 1)
        }
        let reopened = try EventJournal(path: path)
        XCTAssertEqual(try reopened.lastSeq(), 3)
        XCTAssertEqual(try append(reopened).seq, 4)
    }

    func testQueriesSinceLastSourceAndLabel() throws {
        let journal = try EventJournal(path: path)
        for i in 0..<10 {
            _ = try append(journal, source: i % 2 == 0 ? "cam0" : "cam1", label: i % 3 == 0 ? "surprise" : "negative")
        }
        XCTAssertEqual(try journal.entries(JournalQuery(limit: 3)).map(\.seq), [8, 9, 10])
        XCTAssertEqual(try journal.entries(JournalQuery(since: 6, limit: 100)).map(\.seq), [7, 8, 9, 10])
        XCTAssertEqual(try journal.entries(JournalQuery(since: 2, limit: 2)).map(\.seq), [3, 4])
        XCTAssertEqual(try journal.entries(JournalQuery(sources: ["cam1"], limit: 100)).map(\.seq), [2, 4, 6, 8, 10])
        XCTAssertEqual(try journal.entries(JournalQuery(label: "surprise", limit: 100)).map(\.seq), [1, 4, 7, 10])
        XCTAssertEqual(try journal.entries(JournalQuery(since: 3, sources: ["cam0"], label: "surprise", limit: 100)).map(\.seq), [7])
        XCTAssertEqual(try journal.entries(JournalQuery(since: 10, limit: 100)), [])
    }

    func testRetentionByAge() throws {
        let journal = try EventJournal(path: path, retention: JournalRetention(days: 1, maxEvents: 0))
        _ = try append(journal, time: 0)
        _ = try append(journal, time: 100_000)
        XCTAssertEqual(try journal.prune(now: 100_000 + 3600), 1)
        XCTAssertEqual(try journal.entries(JournalQuery()).map(\.seq), [2])
    }

    func testReadOnlyOpenOfAMissingJournalFailsClearly() {
        XCTAssertThrowsError(try EventJournal(path: path + ".missing", readOnly: true)) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
    }

    func testReaderSeesWhatAWriterCommitted() throws {
        let writer = try EventJournal(path: path)
        _ = try append(writer)
        let reader = try EventJournal(path: path, readOnly: true)
        XCTAssertEqual(try reader.entries(JournalQuery()).count, 1)
        _ = try append(writer)
        XCTAssertEqual(try reader.entries(JournalQuery()).count, 2)
    }

    func testAnUnwritablePathIsAnOpenError() {
        XCTAssertThrowsError(try EventJournal(path: "/proc/mexd-journal/journal.sqlite")) { error in
            guard case .open = error as? JournalError else { return XCTFail("\(error)") }
        }
    }
}
