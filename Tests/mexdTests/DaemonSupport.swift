import Foundation
import MexTestSupport

/// A real `mexd run` in a temporary folder: its config, socket, journal and a
/// NOTIFY_SOCKET of the test's own, so READY=1 is observed as systemd would.
final class DaemonUnderTest {
    let folder: URL
    let process = Process()
    private let notify: Int32
    private let stderrFile: URL
    var socketPath: String { folder.appendingPathComponent("events.sock").path }
    var journalPath: String { folder.appendingPathComponent("state/journal.sqlite").path }
    var configPath: String { folder.appendingPathComponent("mexd.toml").path }

    /// Extra [daemon] keys, for example scan_roots.
    private let daemonKeys: String

    /// `config`, when given, is the whole mexd.toml instead of the one made of `sources`,
    /// `limits` and `daemon`; `$DIR` in it stands for the daemon's folder.
    init(folder: URL? = nil, sources: String = "", limits: String = "", daemon: String = "", config: String? = nil) throws {
        daemonKeys = daemon
        self.folder = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("mexd-daemon-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
        stderrFile = self.folder.appendingPathComponent("stderr-\(UUID().uuidString.prefix(4)).log")
        notify = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        let notifyPath = self.folder.appendingPathComponent("notify-\(UUID().uuidString.prefix(4)).sock").path
        var address = Self.address(notifyPath)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(notify, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if let config { try writeConfig(text: config) } else { try writeConfig(sources: sources, limits: limits) }
        process.executableURL = MexdRun.executable
        process.arguments = ["run", "-c", configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notifyPath
        process.environment = environment
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    func writeConfig(sources: String, limits: String = "") throws {
        let text = """
            [daemon]
            socket = "\(socketPath)"
            stats_interval = 1
            \(daemonKeys)

            [journal]
            path = "\(journalPath)"

            [limits]
            idle_timeout = 60
            \(limits)

            \(sources)
            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Writes `text` as the configuration, `$DIR` replaced by the daemon's folder.
    func writeConfig(text: String) throws {
        try text.replacingOccurrences(of: "$DIR", with: folder.path).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        close(notify)
    }

    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// The sd_notify messages received within `timeout` until one contains `needle`.
    func waitForNotify(_ needle: String, timeout: Double = 30) -> Bool {
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(notify, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline && process.isRunning {
            let n = recv(notify, &buffer, buffer.count, 0)
            if n > 0, String(decoding: buffer[..<n], as: UTF8.self).contains(needle) { return true }
        }
        return false
    }

    /// Reads and drops the sd_notify messages waiting. The kernel queues only a few
    /// datagrams (net.unix.max_dgram_qlen, 10 by default) and the daemon does not wait
    /// for room, so a message awaited later is lost behind unread STATUS lines unless
    /// the queue is emptied first.
    func discardNotifications() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while recv(notify, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 {}
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end; nil when it did not within `timeout`.
    func exitStatus(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        return address
    }
}

/// A socket client that reads records with timeouts.
final class ProtocolClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var records: [[String: Any]] = []
    /// The records as they came, one line each, without the line feed.
    private(set) var lines: [String] = []
    private(set) var closed = false

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = DaemonUnderTest.address(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads what has arrived, for up to `timeout` seconds or until `until` holds for a
    /// new record; returns the records read by this call.
    @discardableResult
    func read(timeout: Double, until: (([String: Any]) -> Bool)? = nil) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var fresh: [[String: Any]] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while Date() < deadline && !closed {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { closed = true; break }
            if n < 0 { continue }
            buffer.append(contentsOf: chunk[..<n])
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[..<newline])
                buffer.removeSubrange(...newline)
                lines.append(String(decoding: line, as: UTF8.self))
                let record = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] ?? ["unparsable": String(decoding: line, as: UTF8.self)]
                ProtocolSchema.check(record, from: "socket")
                records.append(record)
                fresh.append(record)
                if let until, until(record) { return fresh }
            }
        }
        return fresh
    }

    func all(_ name: String) -> [[String: Any]] { records.filter { $0["class"] as? String == name } }

    /// Reads until `condition` holds over everything read so far, or `timeout` passes.
    func read(timeout: Double, untilAll condition: (ProtocolClient) -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !closed && !condition(self) { read(timeout: 0.3) }
    }
}

extension Dictionary where Key == String, Value == Any {
    var className: String? { self["class"] as? String }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
}
