import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One message as mosquitto_sub received it.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    /// The QoS it was delivered with: the lower of the publisher's and the subscription's.
    public var qos: Int
    /// Whether the broker sent it as a retained message (to a new subscription).
    public var retained: Bool
    /// nil for an empty message (one that clears a retained message).
    public var payload: String?
}

/// Debian's mosquitto_sub (package mosquitto-clients) subscribed to `topics` at QoS 1,
/// each message printed as JSON (-F %j) and collected. With `clientID` and
/// `persistentSession`, the broker keeps the subscription and queues QoS 1 messages
/// while it is away, and mosquitto_sub reconnects by itself after the broker restarts.
public final class MosquittoSubscriber: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private var received: [MQTTMessage] = []
    private let port: UInt16
    private let probeTopic = "mexd-test/probe/\(UUID().uuidString.prefix(8))"

    public init(port: UInt16, topics: [String], clientID: String? = nil, persistentSession: Bool = false) throws {
        guard let executable = MosquittoTools.find("mosquitto_sub") else { throw MosquittoError.missing("mosquitto_sub") }
        self.port = port
        process.executableURL = executable
        var arguments = ["-p", "\(port)", "-q", "1", "-F", "%j", "-t", probeTopic]
        for topic in topics { arguments += ["-t", topic] }
        if let clientID { arguments += ["-i", clientID] }
        if persistentSession { arguments.append("-c") }
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { self?.append(data) }
        }
        try process.run()
        try waitUntilSubscribed()
    }

    deinit { stop() }

    /// SIGKILL: the tests' processes start their children with SIGTERM and SIGALRM
    /// blocked (the mask a child inherits), so only SIGKILL is sure to end them.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Every message so far, in arrival order.
    public var messages: [MQTTMessage] { lock.withLock { received } }

    /// Waits up to `timeout` seconds for `condition` to hold over the messages so far.
    @discardableResult
    public func wait(timeout: Double, until condition: ([MQTTMessage]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(messages) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition(messages)
    }

    /// The subscription is in place once a message published to the probe topic comes back.
    private func waitUntilSubscribed() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            try MosquittoTools.publish(port: port, topic: probeTopic, payload: "probe")
            if wait(timeout: 0.5, until: { _ in self.lock.withLock { self.probed } }) { return }
        }
        throw MosquittoError.failed("mosquitto_sub did not subscribe within 10 s")
    }

    private var probed = false

    private func append(_ data: Data) {
        lock.withLock {
            buffer += data
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[..<newline])
                buffer.removeSubrange(...newline)
                guard let message = Self.message(line) else { continue }
                if message.topic == probeTopic { probed = true } else { received.append(message) }
            }
        }
    }

    /// A line of -F %j: {"tst":...,"topic":...,"qos":1,"retain":0,"payloadlen":...,"mid":...,"payload":...}.
    static func message(_ line: Data) -> MQTTMessage? {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
              let topic = object["topic"] as? String, let qos = object["qos"] as? Int else { return nil }
        return MQTTMessage(topic: topic, qos: qos, retained: (object["retain"] as? Int ?? 0) != 0, payload: object["payload"] as? String)
    }

    /// The message retained on `topic`, or nil when the broker holds none within
    /// `timeout` seconds. (mosquitto_sub's own -W timer is an alarm, which the blocked
    /// SIGALRM of the tests' children would never deliver, so the wait is kept here.)
    public static func retained(port: UInt16, topic: String, timeout: Double = 2) throws -> MQTTMessage? {
        let subscriber = try MosquittoSubscriber(port: port, topics: [topic])
        defer { subscriber.stop() }
        subscriber.wait(timeout: timeout) { $0.contains { $0.topic == topic } }
        return subscriber.messages.first { $0.topic == topic && $0.retained }
    }
}
