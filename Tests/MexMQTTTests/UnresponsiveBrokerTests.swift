import Foundation
import MexJournal
import MexTestSupport
import Testing
@testable import MexMQTT

/// Brokers that misbehave, played by a socket of the test's own: the daemon's hand-off
/// never waits for them, and the publisher survives them.
@Suite struct UnresponsiveBrokerTests {
    /// A TCP listener on 127.0.0.1 that plays a broken broker.
    final class FakeBroker: @unchecked Sendable {
        enum Behaviour {
            /// Never accepts: the kernel completes the handshake, CONNECT goes unanswered.
            case neverAccepts
            /// Accepts the connection (CONNACK) and hangs up at once.
            case hangsUp
            /// Accepts the connection (CONNACK) and reads nothing more: the socket's
            /// buffers fill and no PUBACK ever comes.
            case stopsReading
        }

        let port: UInt16
        private let listener: Int32
        private let lock = NSLock()
        private var accepted = 0
        private var held: [Int32] = []

        var connections: Int { lock.withLock { accepted } }

        init(_ behaviour: Behaviour) throws {
            let (fd, port) = try #require(LoopbackListener.open())
            self.port = port
            listener = fd
            guard behaviour != .neverAccepts else { return }
            Thread { [self] in
                while true {
                    let client = accept(fd, nil, nil)
                    if client < 0 { return }
                    var buffer = [UInt8](repeating: 0, count: 1024)
                    _ = recv(client, &buffer, buffer.count, 0)
                    let connack: [UInt8] = [0x20, 0x02, 0x00, 0x00]
                    _ = connack.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    lock.withLock {
                        accepted += 1
                        if behaviour == .hangsUp { close(client) } else { held.append(client) }
                    }
                }
            }.start()
        }

        deinit {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            lock.withLock { held.forEach { close($0) } }
        }
    }

    static func journal(events: Int) throws -> (EventJournal, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-unresponsive-\(UUID().uuidString.prefix(8))")
        let journal = try EventJournal(path: folder.appendingPathComponent("journal.sqlite").path)
        for _ in 0..<events {
            try journal.append(time: 1, source: "cam0", kind: "micro", label: nil) {
                #"{"class":"EVENT","seq":\#($0),"source":"cam0","padding":"\#(String(repeating: "x", count: 2000))"}"#
            }
        }
        return (journal, folder)
    }

    /// What the event path calls, 5000 times each, against a broker that never answers
    /// and one that stopped reading: every call only posts to the mailbox, so each is
    /// quick whatever the broker does; and a stop waits for such a broker a bounded time.
    @Test(arguments: [FakeBroker.Behaviour.neverAccepts, .stopsReading])
    func theHandOffNeverWaitsForTheBroker(_ behaviour: FakeBroker.Behaviour) async throws {
        let broker = try FakeBroker(behaviour)
        let (journal, folder) = try Self.journal(events: 300)
        defer { try? FileManager.default.removeItem(at: folder) }
        let publisher = try BrokerTests.publisher(port: broker.port, journal: journal, backlog: 300)
        publisher.start()
        // Time for the connection attempt, and for a broker that stopped reading to have
        // the window of unacknowledged events and full socket buffers.
        try await Task.sleep(for: .seconds(1))
        var slowest = Duration.zero
        let clock = ContinuousClock()
        let total = clock.measure {
            for i in 0..<5000 {
                let call = clock.measure {
                    publisher.eventCommitted(seq: Int64(300 + i), source: "cam0", line: "{}")
                    publisher.sourceState("cam0", line: #"{"class":"SOURCE"}"#)
                }
                slowest = max(slowest, call)
            }
        }
        let stop = await clock.measure {
            publisher.stop()
            await publisher.finished()
        }
        // Bounds with room for a machine busy with the other tests: a hand-off that
        // waited for this broker would wait for the connection timeout (30 s) or forever,
        // and a stop that did not give up would never end (this broker never reads). Under
        // the whole suite's load on 2 cores a stop was measured at 24.7 s.
        #expect(total < .seconds(5) && slowest < .seconds(1), "10000 hand-offs took \(total), the slowest \(slowest)")
        #expect(stop < PublisherLoop.stopTimeout + .seconds(55), "a stop waits for the broker \(PublisherLoop.stopTimeout), then gives up: \(stop)")
    }

    /// A broker that hangs up after CONNACK while the publisher writes its status and a
    /// backlog: the writes after the hang-up fail with EPIPE (the publisher's thread
    /// blocks SIGPIPE; this test process also ignores it, as `mexd run` does through
    /// SwiftNIO), the connection is dropped and tried again.
    @Test func writesAfterTheBrokerHungUpFailWithoutSIGPIPE() async throws {
        let broker = try FakeBroker(.hangsUp)
        let (journal, folder) = try Self.journal(events: 50)
        defer { try? FileManager.default.removeItem(at: folder) }
        let publisher = try BrokerTests.publisher(port: broker.port, journal: journal, backlog: 50)
        publisher.start()
        let deadline = Date().addingTimeInterval(10)
        while broker.connections < 3, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        publisher.stop()
        await publisher.finished()
        #expect(broker.connections >= 3, "accepted, hung up on, and tried again, still alive")
    }
}
