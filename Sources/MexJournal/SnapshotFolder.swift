#if canImport(Glibc)
import Glibc
#endif

/// The pictures of a journal's events on disk: in the folder `path`, one folder per event
/// named by its seq, holding one file per picture named by its role:
/// `<path>/42/onset.jpg`, `<path>/42/apex.jpg`, `<path>/42/flow.png`.
///
/// An event's pictures are written into `.<seq>.partial`, synced, and that folder is then
/// renamed to `<seq>`: a reader sees all of an event's pictures, complete, or none.
/// Files are 0640 and folders 0750: the daemon's user writes them, its group may read
/// them, nobody else.
struct SnapshotFolder: Sendable {
    static let fileMode: mode_t = 0o640
    static let folderMode: mode_t = 0o750

    let path: String

    func eventFolder(_ seq: Int64) -> String { "\(path)/\(seq)" }
    func partialFolder(_ seq: Int64) -> String { "\(path)/.\(seq).partial" }

    /// Makes `pictures` the pictures of event `seq` (none: it has none) and returns their
    /// final paths. Whatever an earlier attempt left under this seq is deleted first: a
    /// seq whose row never committed (a crash, a failed transaction) is assigned again to
    /// the next event. On failure nothing of this seq is left.
    func write(_ pictures: [SnapshotPicture], seq: Int64) throws(SnapshotError) -> SnapshotPaths {
        let partial = partialFolder(seq)
        let final = eventFolder(seq)
        do throws(SnapshotError) {
            try remove(seq)
            var roles: Set<String> = []
            for picture in pictures {
                guard picture.hasValidName else { throw .invalidName(role: picture.role, fileExtension: picture.fileExtension) }
                guard roles.insert(picture.role).inserted else { throw .duplicateRole(picture.role) }
            }
            if pictures.isEmpty { return [:] }
            try SnapshotFileSystem.makeFolder(path, mode: Self.folderMode)
            try SnapshotFileSystem.makeFolder(partial, mode: Self.folderMode)
            var paths: SnapshotPaths = [:]
            for picture in pictures {
                try SnapshotFileSystem.writeNewFile(partial + "/" + picture.fileName, bytes: picture.bytes, mode: Self.fileMode)
                paths[picture.role] = final + "/" + picture.fileName
            }
            try SnapshotFileSystem.syncFolder(partial)
            try SnapshotFileSystem.rename(partial, to: final)
            try SnapshotFileSystem.syncFolder(path)
            return paths
        } catch {
            try? remove(seq)
            throw error
        }
    }

    /// Deletes the pictures of event `seq`, finished or not; missing ones are no error.
    func remove(_ seq: Int64) throws(SnapshotError) {
        try SnapshotFileSystem.removeFolder(eventFolder(seq))
        try removePartial(seq)
    }

    /// Deletes what an unfinished write of event `seq` left.
    func removePartial(_ seq: Int64) throws(SnapshotError) {
        try SnapshotFileSystem.removeFolder(partialFolder(seq))
    }

    /// The pictures event `seq` has on disk, role -> path; empty when it has none.
    func paths(_ seq: Int64) throws(SnapshotError) -> SnapshotPaths {
        let folder = eventFolder(seq)
        guard let names = try SnapshotFileSystem.names(in: folder) else { return [:] }
        var paths: SnapshotPaths = [:]
        for name in names { paths[role(of: name)] = folder + "/" + name }
        return paths
    }

    /// The seqs that have a folder here, finished or partial; other names are not ours
    /// and are left out.
    func seqsOnDisk() throws(SnapshotError) -> (finished: [Int64], partial: [Int64]) {
        var finished: [Int64] = []
        var partial: [Int64] = []
        for name in try SnapshotFileSystem.names(in: path) ?? [] {
            if let seq = Self.seq(name) {
                finished.append(seq)
            } else if name.hasPrefix("."), name.hasSuffix(".partial"), let seq = Self.seq(name.dropFirst().dropLast(".partial".count)) {
                partial.append(seq)
            }
        }
        return (finished.sorted(), partial.sorted())
    }

    /// The seq a folder name spells exactly as the folders are named ("42", not "042" or "+42").
    private static func seq(_ name: some StringProtocol) -> Int64? {
        Int64(name).flatMap { String($0) == name ? $0 : nil }
    }

    /// "apex.jpg" -> "apex".
    private func role(of fileName: String) -> String {
        fileName.lastIndex(of: ".").map { String(fileName[..<$0]) } ?? fileName
    }
}
