import Foundation
import Logging
import MexConfig
import MexJournal
import MexProtocol
import MexTestSupport
import Testing
@testable import MexMQTT

/// The publisher against Debian's mosquitto, with a journal of its own: what reaches
/// the broker, and what a broker that dies and comes back still gets.
@Suite(.serialized) struct BrokerTests {
    /// A journal in a folder of its own, and events appended to it as the daemon does.
    final class Journal {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-journal-\(UUID().uuidString.prefix(8))")
        let journal: EventJournal

        init(retention: JournalRetention = JournalRetention()) throws {
            journal = try EventJournal(path: folder.appendingPathComponent("journal.sqlite").path, retention: retention)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        /// Appends an event of `source` and hands it to `publisher`, as EventBus.commit does.
        @discardableResult
        func append(source: String = "cam0", to publisher: MQTTPublisher? = nil) throws -> Int64 {
            let entry = try journal.append(time: Date().timeIntervalSince1970, source: source, kind: "micro", label: nil) { seq in
                #"{"class":"EVENT","seq":\#(seq),"source":"\#(source)"}"#
            }
            publisher?.eventCommitted(seq: entry.seq, source: source, line: entry.record)
            return entry.seq
        }
    }

    static func publisher(port: UInt16, journal: EventJournal, backlog: Int = 0, publish: [RecordClass] = [.event, .source],
                          environment: [String: String] = [:], log: LogRecorder? = nil,
                          configure: (inout MQTTSettings) -> Void = { _ in }) throws -> MQTTPublisher {
        var settings = MQTTSettings()
        settings.host = "127.0.0.1"
        settings.port = Int(port)
        settings.topicPrefix = "test/mexd"
        settings.clientID = "mexd-test-\(UUID().uuidString.prefix(6))"
        settings.publish = publish
        settings.backlog = backlog
        settings.reconnectInitial = 0.2
        settings.reconnectMax = 0.5
        configure(&settings)
        let configuration = try #require(try PublisherConfiguration.resolve(settings, hostname: "test", environment: environment))
        var logger = Logger(label: "mexd-test") { label in
            log.map { LogRecorder.Handler(recorder: $0) as any LogHandler } ?? StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = .debug
        return try MQTTPublisher(configuration: configuration, journal: journal, logger: logger)
    }

    static func seqs(_ messages: [MQTTMessage]) -> [Int] {
        messages.filter { $0.topic.hasSuffix("/event") }.compactMap { message in
            message.payload.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["seq"] as? Int
        }
    }

    @Test func everyJournaledEventReachesTheBrokerAcrossARestart() async throws {
        let broker = try MosquittoBroker(persistence: true)
        // A persistent session: the restarted broker keeps queuing for it whoever
        // reconnects first, so what the subscriber sees is what the broker got.
        let subscriber = try MosquittoSubscriber(port: broker.port, topics: ["test/mexd/#"], clientID: "sub-\(UUID().uuidString.prefix(6))",
                                                 persistentSession: true)
        let journal = try Journal()
        for _ in 1...5 { try journal.append() }
        let publisher = try Self.publisher(port: broker.port, journal: journal.journal)
        publisher.start()
        #expect(subscriber.wait(timeout: 10) { $0.contains { $0.topic == "test/mexd/status" && $0.payload == "online" } }, "\(broker.log)")
        publisher.sourceState("cam0", line: #"{"class":"SOURCE","source":"cam0","state":"online"}"#)
        for _ in 6...15 { try journal.append(to: publisher) }
        #expect(subscriber.wait(timeout: 10) { Set(Self.seqs($0)) == Set(6...15) }, "first use: events after the journal's last seq")
        let events = subscriber.messages.filter { $0.topic == "test/mexd/cam0/event" }
        #expect(events.allSatisfy { $0.qos == 1 && !$0.retained })
        let state = try MosquittoSubscriber.retained(port: broker.port, topic: "test/mexd/cam0/state")
        #expect(state?.payload?.contains(#""state":"online""#) == true, "the SOURCE record, retained")
        // Stored within the store interval once acknowledged.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, try journal.journal.acknowledgedSeq(broker: publisher.configuration.broker) != 15 {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try journal.journal.acknowledgedSeq(broker: publisher.configuration.broker) == 15)

        // The broker dies (autosave has had over a second to keep the subscriber's
        // session); events go on into the journal; the broker comes back.
        try await Task.sleep(for: .milliseconds(1500))
        broker.kill()
        for _ in 16...25 { try journal.append(to: publisher) }
        try await Task.sleep(for: .seconds(1))
        try broker.start()
        #expect(subscriber.wait(timeout: 20) { Set(Self.seqs($0)).isSuperset(of: Set(6...25)) }, "\(Self.seqs(subscriber.messages))")
        let seen = Self.seqs(subscriber.messages)
        print("broker restart: \(seen.count) events received for 20 published, \(seen.count - Set(seen).count) duplicates")

        publisher.sourceLeft("cam0")
        try await Task.sleep(for: .milliseconds(500))
        publisher.stop()
        await publisher.finished()
        #expect(try MosquittoSubscriber.retained(port: broker.port, topic: "test/mexd/cam0/state") == nil, "a source that left is cleared")
        #expect(try MosquittoSubscriber.retained(port: broker.port, topic: "test/mexd/status")?.payload == "offline",
                "a clean stop says offline itself")
        #expect(try journal.journal.acknowledgedSeq(broker: publisher.configuration.broker) == 25)
    }

    /// QoS 0 and 2 as well: events go out at the QoS asked (a QoS 1 subscription gets
    /// them at the lower of the two), and what the broker completed (QoS 2) or what was
    /// written (QoS 0) moves the stored seq.
    @Test(arguments: [0, 2]) func eventsGoOutAtTheQoSAsked(_ qos: Int) async throws {
        let broker = try MosquittoBroker()
        let subscriber = try MosquittoSubscriber(port: broker.port, topics: ["test/mexd/#"])
        let journal = try Journal()
        let publisher = try Self.publisher(port: broker.port, journal: journal.journal) { $0.qos = qos }
        publisher.start()
        #expect(subscriber.wait(timeout: 10) { $0.contains { $0.topic == "test/mexd/status" && $0.payload == "online" } })
        for _ in 1...5 { try journal.append(to: publisher) }
        #expect(subscriber.wait(timeout: 10) { Self.seqs($0) == [1, 2, 3, 4, 5] }, "\(Self.seqs(subscriber.messages))")
        #expect(subscriber.messages.filter { $0.topic.hasSuffix("/event") }.allSatisfy { $0.qos == min(qos, 1) })
        publisher.stop()
        await publisher.finished()
        #expect(try journal.journal.acknowledgedSeq(broker: publisher.configuration.broker) == 5)
    }

    /// TLS verified against the test's CA, and a password read from a systemd
    /// credential; a wrong password is refused by the broker and tried again.
    @Test func overTLSWithAPasswordFromACredential() async throws {
        let broker = try MosquittoBroker(secure: .init(tls: true, user: "mexd", password: "s3cret"))
        let securePort = try #require(broker.securePort)
        let subscriber = try MosquittoSubscriber(port: broker.port, topics: ["test/mexd/#"])
        let journal = try Journal()
        let credentials = journal.folder.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try "s3cret\n".write(to: credentials.appendingPathComponent("mqtt-password"), atomically: true, encoding: .utf8)
        try "wrong\n".write(to: credentials.appendingPathComponent("stale-password"), atomically: true, encoding: .utf8)
        let environment = ["CREDENTIALS_DIRECTORY": credentials.path]
        func secure(_ passwordFile: String) -> (inout MQTTSettings) -> Void {
            { settings in
                // The certificate names localhost; the broker's name is verified.
                settings.host = "localhost"
                settings.port = Int(securePort)
                settings.tls = true
                settings.tlsCA = broker.caFile
                settings.username = "mexd"
                settings.passwordFile = passwordFile
            }
        }
        let publisher = try Self.publisher(port: securePort, journal: journal.journal, environment: environment,
                                           configure: secure("mqtt-password"))
        publisher.start()
        #expect(subscriber.wait(timeout: 10) { $0.contains { $0.topic == "test/mexd/status" && $0.payload == "online" } }, "\(broker.log)")
        let seq = try journal.append(to: publisher)
        #expect(subscriber.wait(timeout: 10) { Self.seqs($0) == [Int(seq)] })
        publisher.stop()
        await publisher.finished()

        let log = LogRecorder()
        let refused = try Self.publisher(port: securePort, journal: journal.journal, environment: environment, log: log,
                                         configure: secure("stale-password"))
        refused.start()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, log.messages.filter({ $0.contains("refused") }).count < 2 {
            try await Task.sleep(for: .milliseconds(100))
        }
        refused.stop()
        await refused.finished()
        #expect(log.messages.filter { $0.contains("the broker refused the connection") }.count >= 2, "refused, and tried again: \(log.messages)")
    }

    @Test func aBacklogOnFirstUseAndAGapLeftByRetention() async throws {
        let broker = try MosquittoBroker()
        let subscriber = try MosquittoSubscriber(port: broker.port, topics: ["test/mexd/#"])
        // First use with backlog = 3: the last three events of the journal come first.
        let journal = try Journal(retention: JournalRetention(days: 0, maxEvents: 5))
        for _ in 1...6 { try journal.append() }
        let first = try Self.publisher(port: broker.port, journal: journal.journal, backlog: 3, publish: [.event])
        first.start()
        #expect(subscriber.wait(timeout: 10) { Self.seqs($0) == [4, 5, 6] }, "\(Self.seqs(subscriber.messages))")
        first.stop()
        await first.finished()

        // While mexd publishes nothing, 14 more events come and retention keeps the last 5:
        // 7-15 are gone before the broker had them.
        for _ in 7...20 { try journal.append() }
        try journal.journal.prune()
        let second = try Self.publisher(port: broker.port, journal: journal.journal, publish: [.event])
        second.start()
        #expect(subscriber.wait(timeout: 10) { Self.seqs($0) == [4, 5, 6, 16, 17, 18, 19, 20] }, "\(Self.seqs(subscriber.messages))")
        let notes = subscriber.messages.filter { $0.topic == "test/mexd/status" && $0.payload?.hasPrefix("{") == true }
        #expect(notes.map(\.payload) == [#"{"gap":{"first_seq":7,"last_seq":15,"count":9},"reason":"deleted from the journal before the broker acknowledged them"}"#])
        #expect(notes.allSatisfy { !$0.retained })
        second.stop()
        await second.finished()
    }
}

/// Keeps what a logger logs, for tests that look for a message.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    var messages: [String] { lock.withLock { recorded } }

    func record(_ message: String) { lock.withLock { recorded.append(message) } }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            recorder.record("\(message)")
        }
    }
}
