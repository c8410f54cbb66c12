import Foundation

/// A sockaddr_un for a socket path, or for an abstract name (first byte NUL), with
/// the length the kernel expects for each: paths count their terminating NUL,
/// abstract names are exactly as long as given.
public struct UnixSocketAddress: Sendable {
    private var storage = sockaddr_un()
    public let length: socklen_t

    /// nil when the name does not fit sun_path (108 bytes on Linux).
    public init?(_ name: [UInt8]) {
        storage.sun_family = sa_family_t(AF_UNIX)
        let abstract = name.first == 0
        guard !name.isEmpty, name.count + (abstract ? 0 : 1) <= MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: name) }
        length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (abstract ? 0 : 1))
    }

    public init?(path: String) {
        self.init(Array(path.utf8))
    }

    public func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }

    /// A blocking stream socket connected to `path`, or the errno that stopped it.
    public static func connect(path: String) -> Result<Int32, POSIXError> {
        guard let address = UnixSocketAddress(path: path) else { return .failure(POSIXError(.ENAMETOOLONG)) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)) }
        let result = address.withSockaddr { Foundation.connect(fd, $0, $1) }
        guard result == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .EIO
            close(fd)
            return .failure(POSIXError(code))
        }
        return .success(fd)
    }
}
