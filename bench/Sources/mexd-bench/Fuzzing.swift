import ArgumentParser
import Foundation
import MexTestSupport

/// Seeded protocol fuzzing against a running daemon's socket (bench/fuzz/run starts
/// the daemon and watches it). Prints one JSON line with the totals.
struct FuzzProtocol: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fuzz-protocol",
                                                    abstract: "Send fuzzed request lines to a mexd socket.")

    @Option(help: "The daemon's Unix socket.") var socket: String
    @Option(help: "Request lines in all.") var lines = 1_000_000
    @Option(help: "Connections at once.") var connections = 8
    @Option(help: "Lines per connection before it is replaced by a fresh one.") var linesPerConnection = 5000
    @Option(help: "Seed of the mutations.") var seed: UInt64 = 1
    @Option(help: "Give up after this many seconds.") var deadline = 1800.0
    @Option(help: "Paths SCAN requests name.") var scanPath: [String] = ["/nonexistent.mp4"]

    func run() throws {
        let report = FuzzDriver(socketPath: socket, seed: seed, lines: lines, connections: connections,
                                linesPerConnection: linesPerConnection, deadline: deadline, scanPaths: scanPath).run()
        let out: [String: Any] = [
            "lines": report.lines, "errors": report.errors, "records": report.records, "connections": report.connections,
            "closed_connections": report.closedConnections, "seconds": report.seconds,
            "lines_per_second": report.linesPerSecond.rounded(),
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Seeded damage to videos, each scanned by `mexd scan`: counts exit statuses and
/// crashes (a death by signal), and keeps the files that crashed it.
struct FuzzInputs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fuzz-inputs",
                                                    abstract: "Scan damaged copies of videos; count exit statuses and crashes.")

    @Option(help: "The mexd executable.") var mexd: String
    @Option(help: "Damaged copies to make and scan.") var count = 1000
    @Option(help: "Seed of the damage.") var seed: UInt64 = 1
    @Option(help: "Where the copies go (those that crash mexd are kept).") var folder: String
    @Option(help: "Frames to scan of each.") var maxFrames = 60
    @Argument(help: "Videos to damage.") var videos: [String]

    func run() throws {
        let work = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let mutator = InputMutator(seed: seed)
        let sources = videos.map { URL(fileURLWithPath: $0) }
        var statuses: [String: Int] = [:]
        var crashes: [String] = []
        var unclear: [String] = []
        let started = Date()
        for index in 0..<count {
            let (url, mutation) = try mutator.video(index, from: sources, into: work)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: mexd)
            process.arguments = ["scan", "--no-classify", "--max-frames", String(maxFrames), url.path]
            process.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            process.standardError = err
            try process.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                crashes.append("\(url.lastPathComponent) (\(mutation)): signal \(process.terminationStatus)")
                statuses["signal \(process.terminationStatus)", default: 0] += 1
                continue
            }
            statuses[String(process.terminationStatus), default: 0] += 1
            if process.terminationStatus != 0,
               stderr.split(separator: "\n").last.map({ $0.hasPrefix("mexd: ") && $0.contains(url.lastPathComponent) }) != true {
                unclear.append("\(url.lastPathComponent) (\(mutation)): \(stderr.suffix(200))")
            }
            try? FileManager.default.removeItem(at: url)
        }
        let out: [String: Any] = [
            "files": count, "statuses": statuses, "crashes": crashes, "unclear_messages": unclear,
            "seconds": Date().timeIntervalSince(started).rounded(),
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
