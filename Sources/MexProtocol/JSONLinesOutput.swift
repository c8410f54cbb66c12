import Foundation

/// Writes JSON Lines to a file descriptor (stdout for `mexd scan`).
///
/// Lines are buffered and written in large chunks, because a scan with `--frames`
/// emits a record per frame; `flush()` pushes them out at the points a reader waits
/// for (a new source, the end of a file) and after every line for live sources.
public final class JSONLinesOutput {
    public struct WriteError: Error, CustomStringConvertible {
        public let errno: Int32
        public var description: String { "cannot write output: \(String(cString: strerror(errno)))" }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private let limit: Int

    public init(fd: Int32 = STDOUT_FILENO, bufferSize: Int = 64 * 1024) {
        self.fd = fd
        self.limit = bufferSize
        buffer.reserveCapacity(bufferSize + 1024)
    }

    deinit { try? flush() }

    public func write(_ object: JSONObject, flush now: Bool = false) throws(WriteError) {
        buffer.append(contentsOf: object.line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if now || buffer.count >= limit { try flush() }
    }

    public func flush() throws(WriteError) {
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                buffer.removeAll(keepingCapacity: true)
                throw WriteError(errno: code)
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
