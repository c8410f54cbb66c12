import Foundation

/// One picture of an event, already encoded (JPEG or PNG bytes).
public struct SnapshotPicture: Sendable, Equatable {
    /// What the picture shows: "onset", "apex", "offset", "flow". It names the file, so
    /// it holds only ASCII letters, digits, '_' and '-'.
    public var role: String
    /// "jpg" or "png": the file's extension, ASCII letters and digits.
    public var fileExtension: String
    public var bytes: [UInt8]

    public init(role: String, fileExtension: String, bytes: [UInt8]) {
        self.role = role
        self.fileExtension = fileExtension
        self.bytes = bytes
    }

    /// The picture's file name inside its event's folder: "apex.jpg".
    var fileName: String { "\(role).\(fileExtension)" }

    /// Whether the role and extension make a plain file name: no separator, no "..",
    /// nothing a shell or a URL would need to quote.
    var hasValidName: Bool {
        Self.isPlainName(role, allowing: "_-", maximumLength: 32)
            && Self.isPlainName(fileExtension, allowing: "", maximumLength: 8)
    }

    private static func isPlainName(_ name: String, allowing extra: String, maximumLength: Int) -> Bool {
        !name.isEmpty && name.utf8.count <= maximumLength
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || extra.unicodeScalars.contains($0)) }
    }
}

/// Where an event's pictures were written: role -> absolute path.
public typealias SnapshotPaths = [String: String]

/// Why an event's pictures were not kept. The event itself is stored regardless.
public enum SnapshotError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A role or extension that cannot be part of a file name.
    case invalidName(role: String, fileExtension: String)
    /// Two pictures of one event with the same role.
    case duplicateRole(String)
    /// A file system call failed: what was being done, to which path, and errno.
    case system(operation: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .invalidName(role, fileExtension):
            "snapshot name \"\(role).\(fileExtension)\" is not a plain file name (ASCII letters, digits, '_' and '-')"
        case let .duplicateRole(role):
            "two snapshots of one event have the role \(role)"
        case let .system(operation, path, code):
            "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}
