import NIOCore

/// Splits a client's byte stream into request lines, with a length limit
/// (docs/ARCHITECTURE.md section 8.5: [limits] request_line_bytes, 64 KiB by default). A line over the limit is reported once
/// and skipped up to its newline, so one bad request does not end the connection.
struct LineSplitter {
    enum Piece: Equatable {
        case line(String)
        /// A line passed the limit; the rest of it is skipped.
        case tooLong
    }

    let limit: Int
    private var pending: [UInt8] = []
    /// Inside an over-long line: bytes are skipped up to its newline.
    private var skipping = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func feed(_ buffer: ByteBuffer) -> [Piece] {
        var pieces: [Piece] = []
        buffer.withUnsafeReadableBytes { bytes in
            var start = 0
            while start < bytes.count {
                let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
                let end = newline ?? bytes.count
                let chunk = bytes[start..<end]
                if skipping {
                    // still inside the long line
                } else if pending.count + chunk.count > limit {
                    skipping = true
                    pending.removeAll(keepingCapacity: false)
                    pieces.append(.tooLong)
                } else {
                    pending.append(contentsOf: chunk)
                }
                guard newline != nil else { break }
                if skipping {
                    skipping = false
                } else {
                    var line = pending
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    pieces.append(.line(String(decoding: line, as: UTF8.self)))
                    pending.removeAll(keepingCapacity: true)
                }
                start = end + 1
            }
        }
        return pieces
    }
}
