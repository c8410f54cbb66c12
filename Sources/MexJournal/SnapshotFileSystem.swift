import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The POSIX calls the snapshot folder is made of, each failure an `SnapshotError.system`
/// with its errno. Modes are set with fchmod/chmod after creating, so the process's umask
/// never widens or narrows them.
enum SnapshotFileSystem {
    /// Makes a folder with `mode`. An existing folder is left as it is (its mode too: an
    /// administrator may have chosen another); an existing file in its place is an error.
    static func makeFolder(_ path: String, mode: mode_t) throws(SnapshotError) {
        if mkdir(path, mode) == 0 {
            guard chmod(path, mode) == 0 else { throw failure("set the mode of", path) }
            return
        }
        let code = errno
        var status = stat()
        guard code == EEXIST, stat(path, &status) == 0 else { throw .system(operation: "create the folder", path: path, errno: code) }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw .system(operation: "create the folder", path: path, errno: ENOTDIR) }
    }

    /// Writes a new file (it must not exist) with `mode`, and syncs it to disk.
    static func writeNewFile(_ path: String, bytes: [UInt8], mode: mode_t) throws(SnapshotError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create", path) }
        var closed = false
        defer { if !closed { close(fd) } }
        guard fchmod(fd, mode) == 0 else { throw failure("set the mode of", path) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            written += result
        }
        guard fsync(fd) == 0 else { throw failure("sync", path) }
        closed = true
        guard close(fd) == 0 else { throw failure("close", path) }
    }

    /// Syncs a folder, so that the names created or renamed in it are on disk.
    static func syncFolder(_ path: String) throws(SnapshotError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("sync", path) }
    }

    static func rename(_ from: String, to: String) throws(SnapshotError) {
        guard Glibc.rename(from, to) == 0 else { throw failure("rename \(from) to", to) }
    }

    /// The names in a folder, "." and ".." left out; nil when there is no such folder
    /// (nothing at the path, or a file where a folder on the way should be).
    static func names(in path: String) throws(SnapshotError) -> [String]? {
        guard let folder = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw failure("list", path)
        }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Deletes a folder and the files in it (an event's folder holds no folders). A path
    /// that is already gone is not an error.
    static func removeFolder(_ path: String) throws(SnapshotError) {
        guard let names = try names(in: path) else { return }
        for name in names where unlink(path + "/" + name) != 0 && errno != ENOENT {
            throw failure("delete", path + "/" + name)
        }
        guard rmdir(path) == 0 || errno == ENOENT else { throw failure("delete", path) }
    }

    private static func failure(_ operation: String, _ path: String) -> SnapshotError {
        .system(operation: operation, path: path, errno: errno)
    }
}
