import Foundation
import GRDB
import MexJournal
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class SnapshotTests: XCTestCase {
    private var folder: JournalTestFolder!

    override func setUpWithError() throws { folder = try JournalTestFolder() }
    override func tearDownWithError() throws { folder.remove() }

    private func appendWithPictures(_ journal: EventJournal, time: Double = 1000, tag: UInt8 = 0) throws -> (entry: JournalEntry, snapshotError: SnapshotError?) {
        try journal.append(time: time, source: "cam0", kind: "micro", label: nil, pictures: eventPictures(tag), record: eventRecord)
    }

    func testPicturesAreWrittenWithMode0640BeforeTheRowCommits() throws {
        let journal = try EventJournal(path: folder.journalPath)
        XCTAssertEqual(journal.snapshotDirectory, folder.journalPath + "-snapshots")
        _ = try journal.append(time: 1, source: "cam0", kind: "micro", label: nil) { seq in "{\"seq\":\(seq)}" }
        // A umask that would take the group's read bit: the modes are set, not left to it.
        let umaskBefore = umask(0o077)
        defer { umask(umaskBefore) }
        var seen: SnapshotPaths = [:]
        let (entry, snapshotError) = try journal.append(time: 1000, source: "cam0", kind: "micro", label: "surprise",
                                                        pictures: eventPictures(7)) { seq, paths in
            seen = paths
            XCTAssertEqual(seq, 2)
            XCTAssertTrue(paths.values.allSatisfy(exists), "written before the record is made")
            return eventRecord(seq, paths)
        }
        XCTAssertNil(snapshotError)
        let eventFolder = journal.snapshotDirectory + "/2"
        XCTAssertEqual(seen, ["onset": eventFolder + "/onset.jpg", "apex": eventFolder + "/apex.jpg",
                              "offset": eventFolder + "/offset.jpg", "flow": eventFolder + "/flow.png"])
        XCTAssertEqual(entry.record, eventRecord(2, seen))
        for picture in eventPictures(7) {
            let path = try XCTUnwrap(seen[picture.role])
            XCTAssertEqual(permissions(path), 0o640, path)
            XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), picture.bytes)
        }
        XCTAssertEqual(permissions(journal.snapshotDirectory), 0o750)
        XCTAssertEqual(permissions(eventFolder), 0o750)
        XCTAssertEqual(try journal.snapshotPaths(seq: 2), seen)
        XCTAssertEqual(try journal.snapshotPaths(seq: 1), [:])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: journal.snapshotDirectory), ["2"], "no partial folder left")
    }

    func testAnUnwritableSnapshotFolderStillStoresTheEvent() throws {
        let journal = try EventJournal(path: folder.journalPath)
        // A file where the folder should be: mkdir fails for root as for anyone.
        XCTAssertTrue(FileManager.default.createFile(atPath: journal.snapshotDirectory, contents: Data()))
        var seen: SnapshotPaths?
        let (entry, snapshotError) = try journal.append(time: 1000, source: "cam0", kind: "micro", label: nil,
                                                        pictures: eventPictures()) { seq, paths in
            seen = paths
            return eventRecord(seq, paths)
        }
        XCTAssertEqual(seen, [:])
        XCTAssertEqual(try journal.entries(JournalQuery()), [entry])
        guard case let .system(_, path, code) = snapshotError else { return XCTFail("\(String(describing: snapshotError))") }
        XCTAssertEqual(path, journal.snapshotDirectory)
        XCTAssertEqual(code, ENOTDIR)
        XCTAssertTrue("\(snapshotError!)".contains(journal.snapshotDirectory), "\(snapshotError!)")
    }

    func testAFolderWithoutWritePermissionStillStoresTheEvent() throws {
        try XCTSkipIf(getuid() == 0, "root writes whatever the mode")
        let journal = try EventJournal(path: folder.journalPath)
        try FileManager.default.createDirectory(atPath: journal.snapshotDirectory, withIntermediateDirectories: false)
        chmod(journal.snapshotDirectory, 0o500)
        defer { chmod(journal.snapshotDirectory, 0o700) }
        let (entry, snapshotError) = try appendWithPictures(journal)
        XCTAssertEqual(entry.seq, 1)
        guard case let .system(_, _, code) = snapshotError else { return XCTFail("\(String(describing: snapshotError))") }
        XCTAssertEqual(code, EACCES)
        XCTAssertEqual(try journal.count(), 1)
    }

    func testPicturesOfAnEventThatDidNotCommitAreDeleted() throws {
        let journal = try EventJournal(path: folder.journalPath)
        // The row's second statement fails after the pictures were written.
        let other = try DatabasePool(path: folder.journalPath)
        try other.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }
        var written: SnapshotPaths = [:]
        XCTAssertThrowsError(try journal.append(time: 1, source: "cam0", kind: "micro", label: nil, pictures: eventPictures()) { seq, paths in
            written = paths
            return eventRecord(seq, paths)
        }) { error in XCTAssertTrue("\(error)".contains("refused"), "\(error)") }
        XCTAssertEqual(written.count, 4)
        XCTAssertFalse(written.values.contains(where: exists))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: journal.snapshotDirectory), [])
        try other.write { db in try db.execute(sql: "DROP TRIGGER refuse") }
        try other.close()
        XCTAssertEqual(try journal.count(), 0)
        XCTAssertEqual(try appendWithPictures(journal).entry.seq, 1, "the seq goes to the next event")
    }

    func testPictureNamesMustBePlainFileNames() throws {
        let journal = try EventJournal(path: folder.journalPath)
        let escaping = [SnapshotPicture(role: "../apex", fileExtension: "jpg", bytes: [1])]
        let (entry, snapshotError) = try journal.append(time: 1, source: "cam0", kind: "micro", label: nil, pictures: escaping, record: eventRecord)
        XCTAssertEqual(snapshotError, .invalidName(role: "../apex", fileExtension: "jpg"))
        XCTAssertEqual(entry.record, eventRecord(1, [:]))
        XCTAssertFalse(exists(journal.snapshotDirectory))

        let twice = [SnapshotPicture(role: "apex", fileExtension: "jpg", bytes: [1]), SnapshotPicture(role: "apex", fileExtension: "png", bytes: [2])]
        XCTAssertEqual(try journal.append(time: 1, source: "cam0", kind: "micro", label: nil, pictures: twice, record: eventRecord).snapshotError,
                       .duplicateRole("apex"))
    }

    func testPruningByCountDeletesPicturesAndSeries() throws {
        let journal = try EventJournal(path: folder.journalPath, retention: JournalRetention(days: 0, maxEvents: 2))
        for tag in 1...4 {
            let seq = try appendWithPictures(journal, tag: UInt8(tag)).entry.seq
            try journal.storeSeries("[\(seq)]", seq: seq)
        }
        XCTAssertEqual(try journal.pruneReport(), PruneReport(events: 2))
        XCTAssertEqual(try journal.entries(JournalQuery()).map(\.seq), [3, 4])
        XCTAssertEqual(try journal.snapshotPaths(seq: 1), [:])
        XCTAssertEqual(try journal.snapshotPaths(seq: 2), [:])
        XCTAssertEqual(try journal.snapshotPaths(seq: 3).count, 4)
        XCTAssertEqual(try journal.snapshotPaths(seq: 4).count, 4)
        XCTAssertEqual(try journal.series(seq: 2), nil)
        XCTAssertEqual(try journal.series(seq: 3), "[3]")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: journal.snapshotDirectory).sorted(), ["3", "4"])
    }

    func testPruningByAgeDeletesPicturesAndSeries() throws {
        let journal = try EventJournal(path: folder.journalPath, retention: JournalRetention(days: 1, maxEvents: 0))
        let old = try appendWithPictures(journal, time: 0).entry.seq
        let recent = try appendWithPictures(journal, time: 100_000).entry.seq
        try journal.storeSeries("[0]", seq: old)
        try journal.storeSeries("[1]", seq: recent)
        XCTAssertEqual(try journal.prune(now: 100_000 + 3600), 1)
        XCTAssertEqual(try journal.snapshotPaths(seq: old), [:])
        XCTAssertEqual(try journal.series(seq: old), nil)
        XCTAssertEqual(try journal.snapshotPaths(seq: recent).count, 4)
        XCTAssertEqual(try journal.series(seq: recent), "[1]")
    }

    func testPruningSweepsPicturesWithoutARowAndLeavesTheRest() throws {
        let journal = try EventJournal(path: folder.journalPath, retention: JournalRetention(days: 0, maxEvents: 1))
        for _ in 1...3 { _ = try journal.append(time: 1, source: "cam0", kind: "micro", label: nil) { "{\"seq\":\($0)}" } }
        XCTAssertEqual(try journal.prune(), 2)
        // What a crash may leave: pictures of a seq whose row is gone or never was, and
        // unfinished folders; beside them an append under way (seq 7) and a stranger's file.
        let root = journal.snapshotDirectory
        for name in ["1", ".2.partial", "3", ".3.partial", "7", ".7.partial", "notes"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            XCTAssertTrue(FileManager.default.createFile(atPath: root + "/" + name + "/apex.jpg", contents: Data([1])))
        }
        XCTAssertEqual(try journal.pruneReport(), PruneReport(events: 0))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root).sorted(), [".7.partial", "3", "7", "notes"])
    }

    func testAReassignedSeqDoesNotInheritPicturesLeftUnderIt() throws {
        let journal = try EventJournal(path: folder.journalPath)
        // A crash after the pictures of seq 1 were written, before its row committed.
        let stale = journal.snapshotDirectory + "/1"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: stale + "/flow.png", contents: Data([1])))
        let entry = try journal.append(time: 1, source: "cam0", kind: "micro", label: nil) { "{\"seq\":\($0)}" }
        XCTAssertEqual(entry.seq, 1)
        XCTAssertEqual(try journal.snapshotPaths(seq: 1), [:])

        try FileManager.default.createDirectory(atPath: journal.snapshotDirectory + "/2", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: journal.snapshotDirectory + "/2/flow.png", contents: Data([1])))
        let pictures = [SnapshotPicture(role: "apex", fileExtension: "jpg", bytes: [9])]
        let (second, _) = try journal.append(time: 1, source: "cam0", kind: "micro", label: nil, pictures: pictures, record: eventRecord)
        XCTAssertEqual(try journal.snapshotPaths(seq: second.seq), ["apex": journal.snapshotDirectory + "/2/apex.jpg"])
    }
}
