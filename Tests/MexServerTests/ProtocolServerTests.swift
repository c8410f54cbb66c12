import Foundation
import Logging
import MexProtocol
import NIOCore
import Testing
@testable import MexServer

/// A responder with fixed answers.
private struct FixedResponder: ProtocolResponder {
    func version() -> JSONObject { JSONObject(class: .version) }
    func sources() -> JSONObject { JSONObject(class: .sources) }
    func poll(_ request: PollRequest) async throws -> [String] {
        (1...(request.count ?? 1)).map { #"{"class":"EVENT","seq":\#($0)}"# }
    }
    func scan(path: String) async throws -> JSONObject { Records.error("no scans here", request: .scan) }
}

/// A blocking client with a receive timeout.
private final class Client {
    let fd: Int32
    var text = ""

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    func send(_ line: String) { _ = Array((line + "\n").utf8).withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }

    /// Reads for `seconds`; true when the server closed the connection. It polls and
    /// sleeps rather than blocking, so the concurrency pool stays free for the server's
    /// own tasks (POLL answers) while tests run side by side. The time is counted in
    /// polls, not by the clock: when other suites' synchronous tests hold every pool
    /// thread, this task is not resumed for a while, and a clock deadline would pass
    /// before it had looked once.
    @discardableResult
    func read(_ seconds: Double) async -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var idlePolls = 0
        while idlePolls < max(1, Int(seconds / 0.01)) {
            let n = recv(fd, &chunk, chunk.count, Int32(MSG_DONTWAIT))
            if n == 0 { return true }
            if n > 0 {
                text += String(decoding: chunk[..<n], as: UTF8.self)
            } else {
                try? await Task.sleep(for: .milliseconds(10))
                idlePolls += 1
            }
        }
        return false
    }

    func count(_ name: String) -> Int { text.components(separatedBy: #"{"class":"\#(name)""#).count - 1 }
}

@Suite(.serialized) struct ProtocolServerTests {
    private func start(_ adjust: (inout ServerLimits) -> Void = { _ in }) async throws -> (ProtocolServer, String) {
        var limits = ServerLimits()
        limits.autoWatchDelay = 0.3
        adjust(&limits)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-srv-\(UUID().uuidString.prefix(8)).sock").path
        let server = ProtocolServer(responder: FixedResponder(), limits: limits, logger: Logger(label: "test"))
        try await server.start(.path(path, mode: 0o660, group: nil))
        return (server, path)
    }

    @Test func socketModeAndStaleSocketReplacement() async throws {
        let (server, path) = try await start()
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o660)
        // A second server on the same live path is refused.
        let second = ProtocolServer(responder: FixedResponder(), limits: ServerLimits(), logger: Logger(label: "test"))
        await #expect(throws: ServerError.self) { try await second.start(.path(path, mode: 0o660, group: nil)) }
        await server.shutdown(final: [])
        await second.shutdown(final: [])

        // A socket file left by a killed process (bound, never unlinked) is replaced.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))
        let third = ProtocolServer(responder: FixedResponder(), limits: ServerLimits(), logger: Logger(label: "test"))
        try await third.start(.path(path, mode: 0o660, group: nil))
        let fresh = try Client(path)
        #expect(await fresh.read(0.2) == false)
        await third.shutdown(final: [])
    }

    @Test func tooManyClientsAreToldAndClosed() async throws {
        let (server, path) = try await start { $0.maxClients = 1 }
        let first = try Client(path)
        // The first client holds the only place once it has been greeted; on a loaded
        // machine that can take longer than a fixed pause.
        for _ in 0..<50 where first.count("VERSION") == 0 { await first.read(0.1) }
        let second = try Client(path)
        #expect(await second.read(5), "the extra client is closed")
        #expect(second.text.contains("too many clients"))
        #expect(first.count("VERSION") == 1)
        await server.shutdown(final: [])
    }

    @Test func aSilentClientWatchesAndPollAnswersInOrder() async throws {
        let (server, path) = try await start()
        let client = try Client(path)
        await client.read(0.6)
        #expect(client.count("WATCH") == 1, "\(client.text)")
        server.publish(OutgoingRecord(name: .event, source: "cam0", line: #"{"class":"EVENT","seq":9}"#))
        server.publish(OutgoingRecord(name: .frame, source: "cam0", line: #"{"class":"FRAME"}"#))
        client.send(#"{"class":"POLL","count":3}"#)
        await client.read(0.5)
        #expect(client.count("EVENT") == 4 && client.count("FRAME") == 0, "\(client.text)")
        #expect(client.text.contains(#"{"class":"POLL","count":3}"#))
        await server.shutdown(final: [OutgoingRecord(name: .shutdown, source: nil, line: #"{"class":"SHUTDOWN"}"#)])
        await client.read(0.5)
        #expect(client.text.hasSuffix(#"{"class":"SHUTDOWN"}"# + "\n"))
    }

    @Test func answersComeInTheOrderAsked() async throws {
        let (server, path) = try await start()
        let client = try Client(path)
        client.send(#"{"class":"POLL","count":2}"# + "\n" + #"{"class":"VERSION"}"# + "\n" + #"{"class":"SCAN","path":"/x"}"# + "\n" + "oops")
        await client.read(0.5)
        let names = client.text.split(separator: "\n").compactMap { line -> String? in
            guard let start = line.range(of: #""class":""#)?.upperBound, let end = line[start...].firstIndex(of: "\"") else { return nil }
            return String(line[start..<end])
        }
        #expect(names == ["VERSION", "POLL", "EVENT", "EVENT", "VERSION", "ERROR", "ERROR"], "\(names)")
        await server.shutdown(final: [])
    }

    @Test func aClientThatCannotTakeAnEventIsDisconnectedOthersAreNot() async throws {
        let (server, path) = try await start { $0.subscriberQueue = 4 }
        let stuck = try Client(path)
        let reader = try Client(path)
        for client in [stuck, reader] { client.send(#"{"class":"WATCH","enable":true}"#) }
        await reader.read(0.3)
        let payload = String(repeating: "x", count: 2000)
        var closed = false
        for seq in 1...200 {
            server.publish(OutgoingRecord(name: .event, source: "cam0", line: #"{"class":"EVENT","seq":\#(seq),"pad":"\#(payload)"}"#))
            if seq % 20 == 0 { await reader.read(0.05) }
        }
        await reader.read(0.5)
        #expect(reader.count("EVENT") == 200, "a reading client gets every event")
        // The stuck client's connection was closed by the server: reading drains what
        // the kernel held, then ends.
        closed = await stuck.read(2)
        #expect(closed)
        #expect(stuck.count("EVENT") < 200)
        #expect(server.hub.counters.disconnectedSlow == 1)
        await server.shutdown(final: [])
    }

    @Test func idleClientsThatDoNotWatchAreClosed() async throws {
        let (server, path) = try await start { $0.idleTimeout = 1 }
        let client = try Client(path)
        client.send(#"{"class":"WATCH","enable":false}"#)
        #expect(await client.read(3), "closed after the idle timeout")
        #expect(client.text.contains("idle"))
        await server.shutdown(final: [])
    }
}
