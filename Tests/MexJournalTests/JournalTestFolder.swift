import Foundation
import MexJournal
#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder for one test's journal, deleted at the end.
struct JournalTestFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    var journalPath: String { url.appendingPathComponent("state/journal.sqlite").path }
}

/// The four pictures the daemon keeps of an event, each with bytes of its own.
func eventPictures(_ tag: UInt8 = 0) -> [SnapshotPicture] {
    [
        SnapshotPicture(role: "onset", fileExtension: "jpg", bytes: [0xFF, 0xD8, 1, tag]),
        SnapshotPicture(role: "apex", fileExtension: "jpg", bytes: [0xFF, 0xD8, 2, tag]),
        SnapshotPicture(role: "offset", fileExtension: "jpg", bytes: [0xFF, 0xD8, 3, tag]),
        SnapshotPicture(role: "flow", fileExtension: "png", bytes: Array(repeating: tag, count: 70_000)),
    ]
}

/// An EVENT record naming its seq and its pictures, as the daemon's would.
func eventRecord(_ seq: Int64, _ paths: SnapshotPaths) -> String {
    let pictures = paths.keys.sorted().map { "\"\($0)\":\"\(paths[$0]!)\"" }.joined(separator: ",")
    return #"{"class":"EVENT","seq":\#(seq),"snapshots":{\#(pictures)}}"#
}

/// Permission bits of a file or folder.
func permissions(_ path: String) -> mode_t? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return status.st_mode & 0o7777
}

func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
