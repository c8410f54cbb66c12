import ArgumentParser
import Foundation
import MexConfig
import MexProtocol
import MexReport
import MexServer

/// `mexd watch`: a socket client, like gpspipe.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Connect to a running mexd and print its records as JSON Lines (or one line per event).",
        discussion: """
            Sends WATCH with the options given and prints what the daemon sends. With --since, \
            the events journaled after that seq come first (POLL), so a client that was away \
            loses nothing. Exits 0 when the daemon closes the connection, 69 when it cannot connect.
            """)

    @Option(help: "The daemon's socket.")
    var socket = ProcessInfo.processInfo.environment["MEXD_SOCKET"] ?? DaemonSettings().socket

    @Option(name: .customLong("source"), help: "Only this source (repeatable).")
    var sources: [String] = []

    @Flag(help: "Also FRAME records (per-frame faces and motion scores).")
    var frames = false

    @Option(help: "Also STATS records, at most every this many seconds.")
    var stats: Double?

    @Option(help: "First print the events journaled after this seq.")
    var since: Int?

    // -n as in gpspipe; -c is --config everywhere else in mexd.
    @Option(name: [.customShort("n"), .customLong("count")], help: "Exit after this many EVENT records.")
    var count: Int?

    @Flag(help: "One line per event and source change instead of JSON.")
    var human = false

    @Option(help: ArgumentHelp("Also keep an HTML page of the latest events (snapshots inline) that the browser reloads every 2 s.",
                               valueName: "file.html"))
    var report: String?

    @Option(help: "With --report: how many of the latest events the page shows.")
    var reportEvents = 20

    func validate() throws {
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if let since, since < 0 { throw ValidationError("--since must be >= 0") }
        if let stats, stats < 0 { throw ValidationError("--stats must be >= 0") }
        if reportEvents <= 0 { throw ValidationError("--report-events must be positive") }
    }

    func run() throws {
        let connection: SocketConnection
        do { connection = try SocketConnection(path: socket) } catch {
            FileHandle.standardError.write(Data("mexd: \(error)\n".utf8))
            throw ExitStatus.unavailable.exitCode
        }
        let names = sources.isEmpty ? nil : sources
        var requests = [ClientRequest.watch(.init(enable: true, events: true, frames: frames, stats: stats, sources: names))]
        if let since { requests.append(.poll(PollRequest(since: Int64(since), sources: names))) }
        for request in requests {
            try connection.send(Data((request.line + "\n").utf8))
        }
        var events = 0
        var page = EventsPage(title: "mexd: latest events", subtitle: "from \(socket), newest first; the page reloads every 2 s",
                              events: [], refresh: 2)
        if let report { try write(page, to: report) }
        // Each line is written as it comes (a pipe into another tool must not wait for a buffer).
        let out = FileHandle.standardOutput
        while let line = try connection.readLine() {
            if let report, let event = ReportEvent(record: line) {
                page.events.insert(event, at: 0)
                if page.events.count > reportEvents { page.events.removeLast(page.events.count - reportEvents) }
                try write(page, to: report)
            }
            if human {
                if let text = EventLine.human(line) { out.write(Data((text + "\n").utf8)) }
            } else {
                out.write(Data((line + "\n").utf8))
            }
            if RecordClass.of(line: line) == .event {
                events += 1
                if let count, events >= count { return }
            }
        }
    }

    private func write(_ page: EventsPage, to path: String) throws {
        do { try page.write(to: path) } catch {
            FileHandle.standardError.write(Data("mexd: \(error)\n".utf8))
            throw ExitStatus.cantCreate.exitCode
        }
    }
}

/// A blocking Unix stream socket connection, read line by line.
final class SocketConnection {
    enum Failure: Error, CustomStringConvertible {
        case connect(String, String)
        case io(String)
        var description: String {
            switch self {
            case let .connect(path, reason): "cannot connect to \(path): \(reason) (is mexd running?)"
            case .io(let reason): reason
            }
        }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        switch UnixSocketAddress.connect(path: path) {
        case .success(let fd): self.fd = fd
        case .failure(let error): throw Failure.connect(path, String(cString: strerror(error.code.rawValue)))
        }
    }

    deinit { close(fd) }

    func send(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure.io("send: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    /// The next line without its newline; nil when the daemon closed the connection.
    func readLine() throws -> String? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure.io("recv: \(String(cString: strerror(errno)))")
            }
            buffer.append(contentsOf: chunk[..<n])
        }
    }
}
