import Foundation

/// Sends fuzzed request lines to a protocol server on a Unix socket, over several
/// connections at once, and counts what comes back. Every loop is bounded by a line
/// count and a deadline, and it talks only to the socket it is given.
public struct FuzzDriver: Sendable {
    public struct Report: Sendable {
        public var lines = 0
        public var errors = 0
        public var records = 0
        /// Connections that the server closed or refused while in use (it may close
        /// idle or over-limit clients; a crash shows as every later connect failing).
        public var closedConnections = 0
        public var connections = 0
        public var seconds = 0.0
        public var linesPerSecond: Double { seconds > 0 ? Double(lines) / seconds : 0 }

        mutating func add(_ other: Report) {
            lines += other.lines
            errors += other.errors
            records += other.records
            closedConnections += other.closedConnections
            connections += other.connections
        }
    }

    public var socketPath: String
    public var seed: UInt64
    public var lines: Int
    /// Connections at once; each sends its share of the lines.
    public var connections: Int
    /// Lines each connection sends before it is closed and a fresh one opened.
    public var linesPerConnection: Int
    public var deadline: Double
    public var lineLimit: Int
    public var scanPaths: [String]

    public init(socketPath: String, seed: UInt64, lines: Int, connections: Int = 8, linesPerConnection: Int = 2000,
                deadline: Double = 600, lineLimit: Int = 65_536, scanPaths: [String] = ["/nonexistent.mp4"]) {
        self.socketPath = socketPath
        self.seed = seed
        self.lines = lines
        self.connections = connections
        self.linesPerConnection = linesPerConnection
        self.deadline = deadline
        self.lineLimit = lineLimit
        self.scanPaths = scanPaths
    }

    public func run() -> Report {
        let started = Date()
        let end = started.addingTimeInterval(deadline)
        let results = ReportBox()
        let group = DispatchGroup()
        for worker in 0..<connections {
            let share = lines / connections + (worker < lines % connections ? 1 : 0)
            group.enter()
            Thread.detachNewThread { [self] in
                var fuzzer = ProtocolFuzzer(seed: seed &+ UInt64(worker) &* 0x1_0000_0001, lineLimit: lineLimit, scanPaths: scanPaths)
                var chunks = SplitMix64(seed: seed ^ UInt64(worker + 1))
                var report = Report()
                var sent = 0
                while sent < share && Date() < end {
                    let batch = min(linesPerConnection, share - sent)
                    let part = Self.session(path: socketPath, lines: batch, fuzzer: &fuzzer, chunks: &chunks, until: end)
                    sent += max(part.lines, 1)
                    report.add(part)
                }
                results.add(report)
                group.leave()
            }
        }
        group.wait()
        var report = results.report
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// One connection: `lines` lines written in chunks of random size (lines split
    /// across writes, several lines in one write), answers read as they come.
    private static func session(path: String, lines: Int, fuzzer: inout ProtocolFuzzer, chunks: inout SplitMix64,
                                until end: Date) -> Report {
        var report = Report()
        guard let fd = UnixSocket.connect(path) else {
            report.closedConnections = 1
            return report
        }
        defer { close(fd) }
        report.connections = 1
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var reader = RecordCounter()
        var pending: [UInt8] = []
        var written = 0
        var closed = false
        while (written < lines || !pending.isEmpty) && !closed && Date() < end {
            if pending.count < 512 && written < lines {
                pending += fuzzer.line()
                pending.append(UInt8(ascii: "\n"))
                written += 1
                continue
            }
            let size = min(pending.count, 1 + Int(chunks.next() % 4096))
            let n = pending.withUnsafeBytes { send(fd, $0.baseAddress, size, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                pending.removeFirst(n)
            } else if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK {
                closed = true
            } else {
                // The server is not reading (it pauses while its answers pile up): read them.
                var fds = pollfd(fd: fd, events: Int16(POLLIN | POLLOUT), revents: 0)
                _ = poll(&fds, 1, 50)
            }
            if !reader.drain(fd) { closed = true }
        }
        // The answers to the last lines.
        let settle = Date().addingTimeInterval(0.2)
        while !closed && Date() < min(settle, end) {
            var fds = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&fds, 1, 20)
            if !reader.drain(fd) { closed = true }
        }
        report.lines = written
        report.errors = reader.errors
        report.records = reader.records
        report.closedConnections = closed ? 1 : 0
        return report
    }
}

/// Counts the records arriving on a non-blocking socket.
private struct RecordCounter {
    var errors = 0
    var records = 0
    private var carry = 0
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private var lineStart: [UInt8] = []

    /// Reads what is there; false once the server has closed the connection.
    mutating func drain(_ fd: Int32) -> Bool {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == 0 { return false }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK }
            for i in 0..<n {
                let byte = buffer[i]
                if byte == UInt8(ascii: "\n") {
                    records += 1
                    if lineStart.starts(with: Array(#"{"class":"ERROR""#.utf8)) { errors += 1 }
                    lineStart.removeAll(keepingCapacity: true)
                } else if lineStart.count < 16 {
                    lineStart.append(byte)
                }
            }
        }
    }
}

private final class ReportBox: @unchecked Sendable {
    private let lock = NSLock()
    private var total = FuzzDriver.Report()

    func add(_ report: FuzzDriver.Report) {
        lock.lock(); defer { lock.unlock() }
        total.add(report)
    }

    var report: FuzzDriver.Report {
        lock.lock(); defer { lock.unlock() }
        return total
    }
}

/// A connected Unix stream socket.
public enum UnixSocket {
    public static func connect(_ path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            return nil
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}
