import Foundation

/// Where a client's SCAN may read: files under `[daemon] scan_roots`, judged after every
/// symlink is resolved, so that neither `..` nor a link planted under a root reaches
/// out of it.
struct ScanRoots: Sendable, Equatable {
    /// The roots as configured, resolved once they exist.
    let roots: [String]

    init(_ roots: [String]) {
        self.roots = roots
    }

    enum Refusal: Error, Equatable, CustomStringConvertible {
        case disabled
        case relative(String)
        case outside(String)
        case unreadable(String)
        case notAFile(String)

        var description: String {
            switch self {
            case .disabled:
                "SCAN is off: no folder is listed in [daemon] scan_roots of mexd.toml"
            case .relative(let path):
                "\(path): SCAN needs an absolute path"
            case .outside(let path):
                "\(path): not under [daemon] scan_roots of mexd.toml"
            case .unreadable(let path):
                "\(path): no such file, or not readable by mexd"
            case .notAFile(let path):
                "\(path): not a regular file"
            }
        }
    }

    /// The file's resolved path, if SCAN may read it.
    func admit(_ path: String) -> Result<String, Refusal> {
        guard !roots.isEmpty else { return .failure(.disabled) }
        guard path.hasPrefix("/") else { return .failure(.relative(path)) }
        guard let resolved = Self.resolve(path) else { return .failure(.unreadable(path)) }
        let inside = roots.contains { root in
            guard let base = Self.resolve(root) else { return false }
            return base == "/" || resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/")
        }
        guard inside else { return .failure(.outside(path)) }
        var info = stat()
        guard stat(resolved, &info) == 0, access(resolved, R_OK) == 0 else { return .failure(.unreadable(path)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notAFile(path)) }
        return .success(resolved)
    }

    /// The canonical absolute path (every symlink, `.` and `..` resolved), or nil when
    /// it does not exist.
    static func resolve(_ path: String) -> String? {
        guard path.hasPrefix("/"), let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
