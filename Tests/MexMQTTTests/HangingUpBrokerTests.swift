import Foundation
import MexJournal
import MexTestSupport
import Testing
@testable import MexMQTT

/// A broker that accepts the connection (CONNACK) and hangs up at once, while the
/// publisher writes its status and a backlog: the writes after the hang-up fail with
/// EPIPE (the publisher's thread blocks SIGPIPE; this test process also ignores it, as
/// `mexd run` does through SwiftNIO), the connection is dropped and tried again.
@Suite struct HangingUpBrokerTests {
    /// Listens on 127.0.0.1; each connection gets CONNACK (accepted) after its first
    /// bytes, then is closed.
    final class HangingUpBroker: @unchecked Sendable {
        let port: UInt16
        private let listener: Int32
        private let lock = NSLock()
        private var accepted = 0

        var connections: Int { lock.withLock { accepted } }

        init() throws {
            let (fd, port) = try #require(LoopbackListener.open())
            self.port = port
            listener = fd
            Thread { [self] in
                while true {
                    let client = accept(fd, nil, nil)
                    if client < 0 { return }
                    var buffer = [UInt8](repeating: 0, count: 1024)
                    _ = recv(client, &buffer, buffer.count, 0)
                    let connack: [UInt8] = [0x20, 0x02, 0x00, 0x00]
                    _ = connack.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(client)
                    lock.withLock { accepted += 1 }
                }
            }.start()
        }

        deinit { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    @Test func writesAfterTheBrokerHungUpFailWithoutSIGPIPE() async throws {
        let broker = try HangingUpBroker()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-hangup-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = try EventJournal(path: folder.appendingPathComponent("journal.sqlite").path)
        for _ in 1...50 {
            try journal.append(time: 1, source: "cam0", kind: "micro", label: nil) { #"{"class":"EVENT","seq":\#($0),"source":"cam0","padding":"\#(String(repeating: "x", count: 2000))"}"# }
        }
        let publisher = try BrokerTests.publisher(port: broker.port, journal: journal, backlog: 50)
        let running = Task.detached { await publisher.run() }
        let deadline = Date().addingTimeInterval(10)
        while broker.connections < 3, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        publisher.stop()
        await running.value
        #expect(broker.connections >= 3, "accepted, hung up on, and tried again, still alive")
    }
}

