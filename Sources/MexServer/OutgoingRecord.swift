import MexProtocol
import NIOCore

/// A record on its way to subscribers, encoded once and shared by all of them
/// (ByteBuffer is copy-on-write, so a fan-out to 100 clients copies nothing).
public struct OutgoingRecord: Sendable {
    public var name: RecordClass
    /// The source the record is about, for WATCH's source filter; nil: every watcher.
    public var source: String?
    /// The JSON line, newline included.
    public var bytes: ByteBuffer

    public init(name: RecordClass, source: String?, line: String) {
        self.name = name
        self.source = source
        var buffer = ByteBufferAllocator().buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        bytes = buffer
    }

    public init(_ object: JSONObject, source: String? = nil) {
        self.init(name: object.recordClass ?? .error, source: source, line: object.line)
    }

    /// FRAME and STATS are what a slow subscriber loses first.
    public var isLossy: Bool { name.isLossy }
}
